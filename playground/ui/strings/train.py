"""Strings of the Train panel that every model tab shares: settings, states, charts."""

EN = {
    "train.title": "Train your own CNN",
    "train.help": "Pick the settings and press Start: the model trains in the background (on the GPU when there "
                  "is one) while the curves stream. When it is done, use it on this page or download it.",
    "train.device": "Device",
    "train.device_auto": "auto (GPU if available)",
    "train.start": "Start training",
    "train.stop": "Stop",
    "train.use": "Use this model",
    "train.use_pretrained": "Back to the pretrained model",
    "train.download": "Download (config.json + model.safetensors)",
    "train.curves": "Training loss per step · held-out accuracy per epoch",
    "train.preview": "First-layer filters, live (red +, blue −)",
    "train.sample": "What it writes now (live sample)",
    "train.idle": "No training job yet.",
    "train.queued_wait": "Queued: position {pos} in line (sessions take turns) · starts in about {wait}, "
                         "done in about {eta}.",
    "train.queued_unknown": "Queued: position {pos} in line (sessions take turns) · no wait estimate yet: "
                            "nothing like this job has run here.",
    "train.on": " ({where})",
    "train.running": "Training on **{device}**{where}: step {step} of {total} · {pct:.0%} · about {eta} left.",
    "train.starting": "Starting the training process…",
    "train.done": "Done in {elapsed}: held-out accuracy **{acc}**. Press *Use this model* to try it above.",
    "train.cancelled": "Stopped at step {step} of {total}; the model keeps what it learned "
                       "(held-out accuracy **{acc}**).",
    "train.failed": "Failed: {error}",
    "train.using": "This page now uses job {job} (held-out accuracy {acc}).",
    "train.damaged": "The saved model of job {job} is damaged and cannot be used; the page keeps its current model.",
    "train.using_pretrained": "This page now uses the pretrained model.",
    "cfg.c1": "Channels, conv block 1", "cfg.c2": "Channels, conv block 2",
    "cfg.hidden": "Hidden units (fully connected)", "cfg.dropout": "Dropout",
    "cfg.lr": "Learning rate (peak)", "cfg.weight_decay": "Weight decay",
    "cfg.batch_size": "Batch size", "cfg.epochs": "Epochs",
    "cfg.augment": "Augment (random warps, stroke widths)", "cfg.data": "Training data",
    "health.title": "Layer health: is each layer alive, and learning at a sane pace?",
    "health.help": "One line per layer, early layers dark, late ones light, measured on one training step in "
                   "every few. **Activation spread** (std) near 0: the layer says the same thing to every input. "
                   "**Dead or saturated**: ReLU units never positive on the batch (they no longer learn), or "
                   "tanh/sigmoid outputs pinned near their limits (gradient ≈ 0). **Gradient norm** (log scale): "
                   "much smaller in early layers than late ones means vanishing gradients. **Update ratio** "
                   "log10(‖Δw‖/‖w‖): about −3 is healthy; near −1 or above, the learning rate is too high; "
                   "below −5, the layer hardly moves.",
    "health.chart": "Layer health",
    "health.act_std": "activation spread (std)",
    "health.dead_fraction": "dead (ReLU) or saturated (tanh, sigmoid)",
    "health.grad_norm": "gradient norm of the weights",
    "health.update_ratio": "update ratio log10(‖Δw‖/‖w‖)",
    "health.none": "Layer health appears once the job has taken its first measurements.",
    "health.hist_chart": "Histograms at one step",
    "health.hist_chart_latest": "Histograms at the newest step that has them (one measured step in four)",
    "health.hist_step": "Step (the newest until you move it; kept for up to 48 steps spread over the run)",
    "health.hist_act": "each layer's outputs",
    "health.hist_grad": "its weights' gradients",
    "chart.step": "step", "chart.loss": "training loss", "chart.acc": "held-out accuracy",
    "chart.d_loss": "D's loss (discriminator)", "chart.g_loss": "G's loss (generator)",
    "cfg.optimizer": "Optimiser", "cfg.clip": "Gradient clipping (max norm, 0 = off)",
}

ZH = {
    "train.title": "训练你自己的 CNN",
    "train.help": "选好参数后点击“开始训练”：模型在后台训练（有 GPU 时用 GPU），曲线实时更新。"
                  "训练完成后，可以直接在本页使用，或下载下来。",
    "train.device": "设备",
    "train.device_auto": "自动（有 GPU 则用 GPU）",
    "train.start": "开始训练",
    "train.stop": "停止",
    "train.use": "使用这个模型",
    "train.use_pretrained": "换回预训练模型",
    "train.download": "下载（config.json + model.safetensors）",
    "train.curves": "每步的训练损失 · 每轮的留出集准确率",
    "train.preview": "第一层卷积核，实时（红为正，蓝为负）",
    "train.sample": "它现在写出的文字（实时样本）",
    "train.idle": "还没有训练任务。",
    "train.queued_wait": "排队中：第 {pos} 位（各会话轮流）· 约 {wait} 后开始，约 {eta} 后完成。",
    "train.queued_unknown": "排队中：第 {pos} 位（各会话轮流）· 暂无等待时间估计：这里还没有运行过类似的任务。",
    "train.on": "（{where}）",
    "train.running": "正在 **{device}** 上训练{where}：第 {step} / {total} 步 · {pct:.0%} · 预计还需 {eta}。",
    "train.starting": "正在启动训练进程……",
    "train.done": "用时 {elapsed} 完成：留出集准确率 **{acc}**。点击“使用这个模型”即可在上方试用。",
    "train.cancelled": "已在第 {step} / {total} 步停止；模型保留了已经学到的内容（留出集准确率 **{acc}**）。",
    "train.failed": "失败：{error}",
    "train.using": "本页现在使用任务 {job} 的模型（留出集准确率 {acc}）。",
    "train.damaged": "任务 {job} 保存的模型已损坏，无法使用；本页继续使用当前模型。",
    "train.using_pretrained": "本页现在使用预训练模型。",
    "cfg.c1": "通道数，卷积块 1", "cfg.c2": "通道数，卷积块 2",
    "cfg.hidden": "隐藏单元数（全连接层）", "cfg.dropout": "Dropout 比例",
    "cfg.lr": "学习率（峰值）", "cfg.weight_decay": "权重衰减",
    "cfg.batch_size": "批大小", "cfg.epochs": "训练轮数（epoch）",
    "cfg.augment": "数据增强（随机形变、笔画粗细）", "cfg.data": "训练数据",
    "health.title": "层的健康状况：每一层是否还活着，学习的步子是否合适？",
    "health.help": "每层一条线，浅层颜色深，深层颜色浅；每隔几个训练步测量一次。**激活的离散程度**（标准差）接近 0："
                   "这一层对所有输入都输出同样的东西。**死亡或饱和**：在整个批次上从不为正的 ReLU 单元（它们不再学习），"
                   "或者贴近上下限的 tanh/sigmoid 输出（梯度 ≈ 0）。**梯度范数**（对数坐标）：浅层远小于深层，"
                   "说明梯度消失。**更新比例** log10(‖Δw‖/‖w‖)：约 −3 是健康的；接近 −1 或更高，学习率太大；"
                   "低于 −5，这一层几乎不动。",
    "health.chart": "层的健康状况",
    "health.act_std": "激活的离散程度（标准差）",
    "health.dead_fraction": "死亡（ReLU）或饱和（tanh、sigmoid）比例",
    "health.grad_norm": "权重的梯度范数",
    "health.update_ratio": "更新比例 log10(‖Δw‖/‖w‖)",
    "health.none": "任务完成第一次测量后，这里会显示层的健康状况。",
    "health.hist_chart": "某一步的直方图",
    "health.hist_chart_latest": "最近一次记录了直方图的那一步（每四个测量步记录一次）",
    "health.hist_step": "训练步（不拖动时显示最新的；整个训练过程中最多保留均匀分布的 48 步）",
    "health.hist_act": "每层的输出",
    "health.hist_grad": "该层权重的梯度",
    "chart.step": "步数", "chart.loss": "训练损失", "chart.acc": "留出集准确率",
    "chart.d_loss": "判别器 D 的损失", "chart.g_loss": "生成器 G 的损失",
    "cfg.optimizer": "优化器", "cfg.clip": "梯度裁剪（最大范数，0 表示不裁剪）",
}
