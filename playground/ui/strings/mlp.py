"""Strings of the FNN / MLP tab."""

from playground.ui.strings import markdown

EN = {
    "text.mlp_theory": markdown("en", "mlp_theory"),
    "mlp.intro": "Pick a dataset and a network, then press **Play**: the background shows what the network "
                 "predicts at every point of the plane (blue = class 0, orange = class 1), the dots are the data "
                 "(filled: training, hollow: test). Changing any setting starts a fresh network. "
                 "Or place your own points, of up to four classes (green = class 2, purple = class 3): "
                 "click on the plane.",
    "mlp.ds_custom": "your own points",
    "mlp.class": "Class of new points", "mlp.erase": "Eraser", "mlp.clear": "Clear",
    "mlp.from_preset": "Start from this preset", "mlp.csv_upload": "Upload CSV", "mlp.csv_download": "Download CSV",
    "mlp.edit_help": "**Your own points:** click on the plane to add a point of the chosen class (a preset "
                     "becomes your own points); shift-click, right-click or the eraser removes the nearest. "
                     "A CSV file has one `x,y,label` line per point (x and y in [-3.6, 3.6], labels 0–3). "
                     "Noise jitters your points too, and the training share splits them, as for the presets.",
    "mlp.draft": "Your own points: {n} so far, of {k} class(es). Place points of at least two classes to train "
                 "a network (click on the plane).",
    "mlp.class_acc": "Test accuracy per class:",
    "mlp.csv_read": "Read {good} points from the CSV file; {bad} line(s) could not be used and were skipped "
                    "(line {lines}).",
    "mlp.already_own": "These are already your own points: pick a dataset first, then press this button to "
                       "start from its points.",
    "mlp.no_file": "No file was received.",
    "mlp.dataset": "Dataset", "mlp.ds_circles": "circles", "mlp.ds_xor": "XOR", "mlp.ds_spirals": "two spirals",
    "mlp.ds_blobs": "Gaussian blobs", "mlp.ds_moons": "moons",
    "mlp.noise": "Noise", "mlp.train_fraction": "Share of points for training",
    "mlp.features": "Input features", "mlp.n_layers": "Hidden layers", "mlp.units": "Neurons per layer",
    "mlp.activation": "Activation", "mlp.optimizer": "Optimiser", "mlp.lr": "Learning rate",
    "mlp.batch": "Batch size", "mlp.l1": "L1 regularisation λ₁", "mlp.l2": "L2 regularisation λ₂",
    "mlp.play": "Play", "mlp.pause": "Pause", "mlp.step": "Step", "mlp.reset": "Reset",
    "mlp.boundary": "Decision boundary", "mlp.curves": "Loss and test accuracy",
    "mlp.network": "The network: each neuron's output over the plane",
    "mlp.network_help": "Left to right: the input features, each hidden layer, the output. Lines are weights "
                        "(orange positive, blue negative, thicker = larger); weights below a tenth of the "
                        "largest are not drawn.",
    "mlp.loss": "training loss", "mlp.test_loss": "test loss", "mlp.test_acc": "test accuracy",
    "mlp.health_help": "One line per layer (hidden.0.0 is the first hidden layer, out the output), early layers "
                       "dark, late ones light, measured every few steps while the network trains. **Activation "
                       "spread** (std) near 0: the layer says the same thing to every point. **Dead or "
                       "saturated**, read on all the training points: ReLU units that no training point makes "
                       "positive (they no longer learn), or tanh/sigmoid outputs pinned near their limits "
                       "(gradient ≈ 0). **Gradient norm** (log scale): far smaller in early layers than late ones "
                       "means vanishing gradients (try *Six sigmoid layers with SGD* under *Make it fail, then fix it*). **Update ratio** "
                       "log10(‖Δw‖/‖w‖): about −3 is healthy; near −1 or above, the learning rate is too high; "
                       "below −5, the layer hardly moves.",
    "mlp.ready": "A fresh network with {params:,} parameters. Press **Play** or **Step**.",
    "mlp.stats": "Epoch {epoch:.0f} · step {step} · training loss {train:.3f} · test loss {test:.3f} · "
                 "test accuracy **{acc:.1%}** · {params:,} parameters",
    "mlp.diverged": "⚠️ Training stopped: {error}. Lower the learning rate, then press **Reset**.",
    "mlp.bad_settings": "These settings cannot be used: {error}",
    "mlp.try": "Make it fail, then fix it",
    "mlp.try_help": "Each button sets up a network that struggles. Press Play, watch, then try the fix. The "
                    "*Failure lab* tab has seven failures, each run beside its fix, with the layers' health.",
    "mlp.sc_linear": "Spirals, no hidden layer", "mlp.sc_divergent": "Learning rate far too high",
    "mlp.sc_sigmoid": "Six sigmoid layers with SGD",
    "mlp.sc_linear_text": "Without hidden layers the network is logistic regression: its boundary is a straight "
                          "line in the space of its inputs, and no line separates two spirals. **Fix:** add two "
                          "or three hidden layers.",
    "mlp.sc_divergent_text": "With plain SGD at learning rate 10 each step overshoots: the loss jumps around or "
                             "the network collapses to one class. **Fix:** learning rate 0.03, or Adam.",
    "mlp.sc_sigmoid_text": "Sigmoid's slope is at most ¼, so the gradient shrinks at every layer on its way "
                           "back: the first layers barely learn and the loss sits near 0.69. **Fix:** ReLU or "
                           "tanh, fewer layers, or Adam (it rescales each weight's step).",
    "mlp.code": "Show the code (a PyTorch script for these settings)",
    "mlp.theory": "Theory: layers, activations, backpropagation, regularisation",
}

ZH = {
    "text.mlp_theory": markdown("zh", "mlp_theory"),
    "mlp.intro": "选一个数据集和网络结构，然后点击 **播放**：背景是网络对平面上每一点的预测（蓝色为第 0 类，"
                 "橙色为第 1 类），圆点是数据（实心：训练集，空心：测试集）。修改任何设置都会重新开始一个新网络。"
                 "也可以放上自己的点，最多四类（绿色为第 2 类，紫色为第 3 类）：在平面上点击即可。",
    "mlp.ds_custom": "自己的点",
    "mlp.class": "新点的类别", "mlp.erase": "橡皮擦", "mlp.clear": "清空",
    "mlp.from_preset": "从当前预设开始", "mlp.csv_upload": "上传 CSV", "mlp.csv_download": "下载 CSV",
    "mlp.edit_help": "**自己的点**：在平面上点击，添加一个所选类别的点（预设数据集会变成你自己的点）；"
                     "按住 Shift 单击、右键单击或使用橡皮擦，删除最近的点。CSV 文件每行一个点：`x,y,label`"
                     "（x、y 在 [-3.6, 3.6] 之内，类别为 0–3）。噪声同样会抖动你的点，训练集比例同样会划分它们，与预设数据集一样。",
    "mlp.draft": "你自己的点：目前 {n} 个，共 {k} 类。至少要有两类点才能训练网络（在平面上点击添加）。",
    "mlp.class_acc": "各类测试准确率：",
    "mlp.csv_read": "从 CSV 文件读入 {good} 个点；有 {bad} 行无法使用，已跳过（第 {lines} 行）。",
    "mlp.already_own": "现在已经是你自己的点了：请先选一个数据集，再点这个按钮，从它的点开始编辑。",
    "mlp.no_file": "没有收到文件。",
    "mlp.dataset": "数据集", "mlp.ds_circles": "同心圆", "mlp.ds_xor": "异或（XOR）", "mlp.ds_spirals": "双螺旋",
    "mlp.ds_blobs": "高斯团", "mlp.ds_moons": "双月牙",
    "mlp.noise": "噪声", "mlp.train_fraction": "训练集所占比例",
    "mlp.features": "输入特征", "mlp.n_layers": "隐藏层数", "mlp.units": "每层神经元数",
    "mlp.activation": "激活函数", "mlp.optimizer": "优化器", "mlp.lr": "学习率",
    "mlp.batch": "批大小", "mlp.l1": "L1 正则化 λ₁", "mlp.l2": "L2 正则化 λ₂",
    "mlp.play": "播放", "mlp.pause": "暂停", "mlp.step": "单步", "mlp.reset": "重置",
    "mlp.boundary": "决策边界", "mlp.curves": "损失与测试准确率",
    "mlp.network": "网络：每个神经元在平面上的输出",
    "mlp.network_help": "从左到右：输入特征、各隐藏层、输出。连线表示权重（橙色为正，蓝色为负，越粗绝对值越大）；"
                        "小于最大权重十分之一的连线不画出。",
    "mlp.loss": "训练损失", "mlp.test_loss": "测试损失", "mlp.test_acc": "测试准确率",
    "mlp.health_help": "每层一条线（hidden.0.0 是第一个隐藏层，out 是输出层），浅层颜色深，深层颜色浅；训练时每隔几步"
                       "测量一次。**激活的离散程度**（标准差）接近 0：这一层对所有点都输出同样的东西。**死亡或饱和**"
                       "（在全部训练点上读取）：没有任何训练点能让它为正的 ReLU 单元（它们不再学习），或者贴近上下限的 "
                       "tanh/sigmoid 输出（梯度 ≈ 0）。**梯度范数**（对数坐标）：浅层远小于深层，说明梯度消失（试试"
                       "“先让它失败，再把它修好”里的“六层 sigmoid + SGD”）。**更新比例** log10(‖Δw‖/‖w‖)：约 −3 是健康的；接近 −1 或更高，学习率太大；"
                       "低于 −5，这一层几乎不动。",
    "mlp.ready": "新网络，共 {params:,} 个参数。点击 **播放** 或 **单步**。",
    "mlp.stats": "第 {epoch:.0f} 轮 · 第 {step} 步 · 训练损失 {train:.3f} · 测试损失 {test:.3f} · "
                 "测试准确率 **{acc:.1%}** · 共 {params:,} 个参数",
    "mlp.diverged": "⚠️ 训练已停止：{error}。请降低学习率，然后点击 **重置**。",
    "mlp.bad_settings": "这些设置无法使用：{error}",
    "mlp.try": "先让它失败，再把它修好",
    "mlp.try_help": "每个按钮都会搭出一个学不好的网络。点击播放观察，然后试试修正方法。*故障实验室* 标签页里有七种故障，"
                    "每种都与它的修复并排运行，并显示各层的健康状况。",
    "mlp.sc_linear": "双螺旋，没有隐藏层", "mlp.sc_divergent": "学习率过大",
    "mlp.sc_sigmoid": "六层 sigmoid + SGD",
    "mlp.sc_linear_text": "没有隐藏层时，网络就是逻辑回归：它的决策边界在输入空间里是一条直线，而没有任何直线能分开"
                          "两条螺旋。**修正**：加两到三个隐藏层。",
    "mlp.sc_divergent_text": "普通 SGD 用学习率 10 时每一步都迈得太大：损失来回跳动，或者网络退化成只输出一个类别。"
                             "**修正**：学习率改为 0.03，或换用 Adam。",
    "mlp.sc_sigmoid_text": "sigmoid 的斜率最大只有 ¼，梯度每往回传一层就缩小一次：前面几层几乎学不动，损失停在 0.69 "
                           "附近。**修正**：改用 ReLU 或 tanh、减少层数，或换用 Adam（它会为每个权重调整步长）。",
    "mlp.code": "查看代码（与当前设置对应的 PyTorch 脚本）",
    "mlp.theory": "原理：层、激活函数、反向传播、正则化",
}
