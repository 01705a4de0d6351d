"""Strings of the Failure lab tab ("Break it, then fix it"): the tab's own, then per preset of
``playground/failures.py`` a title (``lab.<name>``), what goes wrong and where to see it (``lab.<name>.text``) and the fix button
(``lab.<name>.fix``). Figures are those of ``python bench/failures.py`` (seeds 0, 1, 2)."""

EN = {
    "tab.lab": "Failure lab",
    "lab.intro": "Break a network on purpose, look inside it to see why it fails, then apply the one change that "
                 "fixes it and compare the two runs side by side. Pick a failure, press **Run it as it is**, then "
                 "the fix. Both are ordinary training jobs (they wait their turn in the queue like any other); "
                 "their curves share one chart, and each has its **layer health**: one line per layer, early layers "
                 "dark, late ones light. Picking another failure stops this page's lab runs.",
    "lab.preset": "The failure",
    "lab.run": "Run it as it is",
    "lab.stop": "Stop both",
    "lab.curves": "Both runs: training loss and held-out accuracy",
    "lab.broken": "As it is (broken)",
    "lab.fixed": "With the fix",
    "lab.not_run": "Not run yet.",
    "lab.on": "on", "lab.off": "off",
    "lab.done": "Done in {elapsed}: held-out accuracy **{acc}**.",
    "lab.settings": "**The run** ({arch}): {settings}.",
    "lab.changes": "**The fix changes only** {changes}.",
    "lab.arch.mlp": "FNN on 2-D points", "lab.arch.charlm": "character-level RNN on Moby-Dick",
    "lab.arch.gan": "GAN on MNIST digits", "lab.arch.longrange": "recurrent network on a recall task",
    "lab.arch.cnn": "CNN on MNIST digits", "lab.arch.transformer": "Transformer",
    "lab.arch.vae": "VAE", "lab.arch.ae": "autoencoder",
    "lab.dead_relu": "Dead ReLUs",
    "lab.dead_relu.text": "Plain SGD with a learning rate of 3 takes steps so large that the first few push "
                          "every ReLU of a layer below zero on every training point. Such a unit outputs 0 "
                          "and gets no gradient, so it never comes back: in our runs the worst layer ended "
                          "100 % dead and the network guessed (about 50 % on the test points). Watch *dead "
                          "fraction* jump to 1; at 0.1 it stays near 0 (0–3 %).",
    "lab.dead_relu.fix": "Lower the learning rate to 0.1",
    "lab.vanishing": "Vanishing gradients",
    "lab.vanishing.text": "Six sigmoid layers: on the way back each one multiplies the gradient by the "
                          "sigmoid's slope, at most 1/4, so the first layer's gradient is 10⁵ times or more "
                          "smaller than the output layer's and plain SGD hardly moves it. The loss sits at "
                          "0.69 (a coin toss). Watch *gradient norm*: the first layers' lines lie far below "
                          "the last one's; with ReLU they come together.",
    "lab.vanishing.fix": "Use ReLU instead of sigmoid",
    "lab.bad_init": "Bad initialisation",
    "lab.bad_init.text": "Weights drawn with standard deviation 1, whatever the layer's size: each ReLU layer "
                         "of 32 units makes the activations about four times wider than its input, so the "
                         "outputs start in the thousands and so does the loss. Training spends its time "
                         "undoing that: 67–77 % on the test points after 50 epochs. Watch *activation "
                         "spread* grow layer by layer; Kaiming's init (std √(2/fan-in)) keeps it near 1 "
                         "and reaches 96–97 %.",
    "lab.bad_init.fix": "Use Kaiming initialisation",
    "lab.exploding": "Exploding gradients",
    "lab.exploding.text": "A plain RNN trained with SGD at a high rate and no clipping: the gradient through "
                          "64 steps of the same recurrent matrix now and then comes out many times its "
                          "usual size, and one step throws the learned weights away. The loss curve "
                          "spikes to 6–15 times where it started. Watch *gradient norm* leap; clipping its norm "
                          "to 1 caps each step and the curve goes down smoothly.",
    "lab.exploding.fix": "Clip the gradient norm to 1",
    "lab.overfitting": "Overfitting",
    "lab.overfitting.text": "Twenty training points and a network of 3 × 32 neurons: it has room to remember "
                            "every point, noise included, and it does, reaching 95–100 % on them and only "
                            "51–62 % on the test points. Compare the training loss with the test "
                            "accuracy in the curves: the gap is the overfitting. With twenty times the "
                            "points the gap shrinks to 7–11 %.",
    "lab.overfitting.fix": "Use 2,000 points instead of 100",
    "lab.mode_collapse": "Mode collapse",
    "lab.mode_collapse.text": "The GAN without its stabilisers (no auxiliary class loss, no augmentation of "
                              "what the discriminator sees): the generator finds a few kinds of digit that "
                              "fool the discriminator and draws them whatever it is asked for. Watch the "
                              "sample grid: rows that should be different digits look alike, and the "
                              "accuracy curve (how often the pretrained CNN reads the digit asked for) stays "
                              "low: 14–35 % in our runs, 5–6 kinds of digit among 500. With both stabilisers "
                              "back: 87–95 %, 9–10 kinds.",
    "lab.mode_collapse.fix": "Turn the class loss and augmentation back on",
    "lab.long_delay": "A memory too short",
    "lab.long_delay.text": "Name the first of 100 symbols after seeing them all. A plain RNN squeezes its "
                           "state through tanh at every step, and the gradient from the answer back to the "
                           "first symbol fades over the 99 steps between: its accuracy stays near chance "
                           "(1 in 8; 12–27 % in our runs). Watch the accuracy curve stay flat; an LSTM's gated cell carries the "
                           "symbol along and reaches 99–100 %.",
    "lab.long_delay.fix": "Use an LSTM",
}

ZH = {
    "tab.lab": "故障实验室",
    "lab.intro": "故意把网络弄坏，看清它内部为什么失败，再施加那一处修改把它修好，并把两次训练并排比较。选一种故障，"
                 "先按 **按原样运行**，再按修复按钮。两者都是普通的训练任务（和其他任务一样排队等候）；它们的曲线画在同一张图里，"
                 "每次训练各有自己的 **层的健康状况**：每层一条线，浅层颜色深，深层颜色浅。选择另一种故障会停止本页的实验训练。",
    "lab.preset": "故障",
    "lab.run": "按原样运行",
    "lab.stop": "全部停止",
    "lab.curves": "两次训练：训练损失与留出集准确率",
    "lab.broken": "原样（有故障）",
    "lab.fixed": "修复后",
    "lab.not_run": "尚未运行。",
    "lab.on": "开", "lab.off": "关",
    "lab.done": "用时 {elapsed} 完成：留出集准确率 **{acc}**。",
    "lab.settings": "**这次训练**（{arch}）：{settings}。",
    "lab.changes": "**修复只改动** {changes}。",
    "lab.arch.mlp": "二维点上的前馈网络", "lab.arch.charlm": "《白鲸》上的字符级 RNN",
    "lab.arch.gan": "MNIST 数字上的 GAN", "lab.arch.longrange": "回忆任务上的循环网络",
    "lab.arch.cnn": "MNIST 数字上的 CNN", "lab.arch.transformer": "Transformer",
    "lab.arch.vae": "VAE", "lab.arch.ae": "自编码器",
    "lab.dead_relu": "死亡的 ReLU",
    "lab.dead_relu.text": "用普通 SGD、学习率 3 训练时，步子太大：最初几步就把某一层的每个 ReLU 在所有训练点上都推到"
                          "零以下。这样的单元输出恒为 0，也得不到梯度，从此再也恢复不了：我们的运行中最差的一层最终 "
                          "100 % 死亡，网络只能乱猜（测试点上约 50 %）。请看 *死亡比例* 跳到 1；学习率为 0.1 时"
                          "它保持在 0 附近（0–3 %）。",
    "lab.dead_relu.fix": "把学习率降到 0.1",
    "lab.vanishing": "梯度消失",
    "lab.vanishing.text": "六层 sigmoid：反向传播时每一层都把梯度乘以 sigmoid 的斜率（至多 1/4），于是第一层的梯度比"
                          "输出层小 10⁵ 倍以上，普通 SGD 几乎推不动它。损失停在 0.69（相当于掷硬币）。请看 *梯度范数*："
                          "前几层的曲线远低于最后一层；换成 ReLU 后它们靠拢在一起。",
    "lab.vanishing.fix": "用 ReLU 代替 sigmoid",
    "lab.bad_init": "糟糕的初始化",
    "lab.bad_init.text": "权重按标准差 1 抽取，不管这一层有多大：每个 32 单元的 ReLU 层都让激活值比输入宽约四倍，"
                         "于是输出一开始就是几千，损失也是。训练的时间都花在抵消这一点上。50 轮后测试点上只有 67–77 %。"
                         "请看 *激活的离散程度* 逐层变大；Kaiming 初始化（标准差 √(2/fan-in)）让它保持在 1 左右，准确率达到 96–97 %。",
    "lab.bad_init.fix": "使用 Kaiming 初始化",
    "lab.exploding": "梯度爆炸",
    "lab.exploding.text": "用 SGD、较高的学习率、不做裁剪来训练普通 RNN：梯度要穿过同一个循环矩阵 64 步，时不时会"
                          "变成平常的许多倍，一步就把学到的权重毁掉。损失曲线会猛地跳到起点的 6–15 倍。请看 "
                          "*梯度范数* 骤升；把梯度范数裁剪到 1 就限制了每一步的大小，曲线平稳下降。",
    "lab.exploding.fix": "把梯度范数裁剪到 1",
    "lab.overfitting": "过拟合",
    "lab.overfitting.text": "只有二十个训练点，网络却有 3 × 32 个神经元：它有足够的容量记住每一个点（连同噪声），"
                            "它也确实记住了，在训练点上达到 95–100 %，测试点上却只有 51–62 %。在曲线中对比训练损失"
                            "和测试准确率：两者之间的差距就是过拟合。把点数增加到二十倍，差距缩小到 7–11 %。",
    "lab.overfitting.fix": "用 2,000 个点代替 100 个",
    "lab.mode_collapse": "模式崩溃",
    "lab.mode_collapse.text": "去掉稳定手段的 GAN（没有辅助类别损失，判别器看到的图像也不做增强）：生成器找到几种能"
                              "骗过判别器的数字，无论要求画哪个类别都画它们。请看样本网格：本应是不同数字的各行看起来"
                              "差不多，准确率曲线（预训练 CNN 认出所要求数字的比例）也一直很低：我们的运行中为 14–35 %，500 个样本里只有 5–6 种数字。两种稳定手段都恢复后：87–95 %，9–10 种。",
    "lab.mode_collapse.fix": "重新打开类别损失和数据增强",
    "lab.long_delay": "记忆太短",
    "lab.long_delay.text": "看完 100 个符号后说出第一个。普通 RNN 每一步都把状态压过 tanh，从答案传回第一个符号的梯度"
                           "在中间 99 步里逐渐消失：它的准确率停在随机水平附近（8 选 1；我们的运行中为 12–27 %）。请看准确率曲线一直平坦；"
                           "LSTM 的门控记忆单元把这个符号一路带到最后，准确率达到 99–100 %。",
    "lab.long_delay.fix": "使用 LSTM",
}
