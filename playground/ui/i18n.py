"""Every visible string of the app, in English and 中文, in one table.

Components take ``t("key")`` (a ``gr.I18n`` key, translated in the browser). Text made on the server
(status lines, warnings, errors) goes through ``msg(key, request)``, which answers in the language of
the page: the ``np_lang`` cookie set by the language switch, else the browser's Accept-Language.
Long texts (the theory panels) live in ``text/<lang>/<name>.md`` and are read into the table; a tab may
keep its short strings in ``strings/<tab>.py`` (``EN`` and ``ZH`` dicts), merged into the table too.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.i18n import I18nData

from playground.data import drawing

LANGS = ("en", "zh")
TEXT = Path(__file__).resolve().parent / "text"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "# Neural Playground",
        "app.tagline": "See and train the classic neural networks — draw, type, slide and watch them work.",
        "app.language": "Language",
        "tab.cnn": "CNN · draw a digit",
        "tab.mlp": "FNN / MLP",
        "tab.rnn": "RNN · LSTM · GRU",
        "tab.generative": "AE · VAE · GAN",
        "tab.transformer": "Transformer",
        "tab.jobs": "Training jobs",
        "soon.title": "### Coming soon",
        "soon.rnn": "Type a sequence and let an RNN, LSTM or GRU continue it; watch hidden states and gates per character.",
        "soon.generative": "Move latent sliders and watch a VAE or GAN draw digits; encode your own drawing.",
        "soon.transformer": "Type text and see where each attention head looks, layer by layer.",
        "soon.jobs": "Train any model in the background and watch its loss curve stream live.",
        "cnn.intro": "Draw a digit from 0 to 9 in the box. The network reads it after every stroke: "
                     "see what it sees, how sure it is, and what lights up inside it.",
        "cnn.canvas": "Draw a digit here",
        "cnn.clear": "Clear",
        "cnn.prediction": "Prediction",
        "cnn.probabilities": "Probability of each digit",
        "cnn.sees": "What the model sees (28×28)",
        "cnn.saliency": "Saliency: what drove the answer",
        "cnn.inside": "Inside the network: feature maps",
        "cnn.inside_help": "The first 16 channels of each convolution block (after ReLU), brighter = stronger. "
                           "Early layers respond to strokes and edges; later ones to larger parts of the digit.",
        "cnn.conv1": "Block 1 · conv 1 (28×28)",
        "cnn.conv2": "Block 1 · conv 2 (28×28)",
        "cnn.conv3": "Block 2 · conv 3 (14×14)",
        "cnn.conv4": "Block 2 · conv 4 (14×14)",
        "cnn.upload": "…or upload a picture of a digit",
        "cnn.upload_image": "Image (PNG, JPEG, …)",
        "cnn.json": "API answer (JSON)",
        "cnn.theory": "Theory: convolution, padding, pooling",
        "cnn.status_ready": "Draw a digit to begin.",
        "cnn.status_result": "Model: {model} · read as **{label}** with {confidence:.0%} confidence.",
        "cnn.model_pretrained": "pretrained CNN (held-out accuracy {acc:.2%})",
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
        "train.queued": "Queued: position {pos} in line.",
        "train.running": "Training on **{device}**: step {step} of {total} · {pct:.0%} · about {eta} left.",
        "train.starting": "Starting the training process…",
        "train.done": "Done in {elapsed}: held-out accuracy **{acc}**. Press *Use this model* to try it above.",
        "train.cancelled": "Stopped at step {step} of {total}; the model keeps what it learned "
                           "(held-out accuracy **{acc}**).",
        "train.failed": "Failed: {error}",
        "train.using": "This page now uses job {job} (held-out accuracy {acc}).",
        "train.damaged": "The saved model of job {job} is damaged and cannot be used; the page keeps its current model.",
        "train.using_pretrained": "This page now uses the pretrained model.",
        "cnn.model_job": "your job {job} (held-out accuracy {acc:.2%})",
        "jobs.intro": "Every training job of this server, newest first. Pick several to compare their curves.",
        "jobs.table": "Jobs",
        "jobs.compare": "Compare runs",
        "jobs.curves": "Curves of the selected runs",
        "jobs.api": "For scripts: start, watch, stop and use jobs (these are the API endpoints)",
        "jobs.arch": "Architecture",
        "jobs.config": "Settings (JSON), e.g. {\"epochs\": 1}",
        "jobs.start": "Start",
        "jobs.job_id": "Job id",
        "jobs.status": "Status",
        "jobs.cancel": "Stop",
        "jobs.use": "Use in its tab",
        "jobs.answer": "Answer (JSON)",
        "col.id": "job", "col.arch": "model", "col.state": "state", "col.device": "device",
        "col.progress": "progress", "col.acc": "held-out acc.", "col.settings": "settings",
        "col.started": "started",
        "state.queued": "queued", "state.running": "running", "state.done": "done",
        "state.failed": "failed", "state.cancelled": "cancelled",
        "cfg.c1": "Channels, conv block 1", "cfg.c2": "Channels, conv block 2",
        "cfg.hidden": "Hidden units (fully connected)", "cfg.dropout": "Dropout",
        "cfg.lr": "Learning rate (peak)", "cfg.weight_decay": "Weight decay",
        "cfg.batch_size": "Batch size", "cfg.epochs": "Epochs",
        "cfg.augment": "Augment (random warps, stroke widths)", "cfg.data": "Training data",
        "chart.step": "step", "chart.loss": "training loss", "chart.acc": "held-out accuracy",
        "chart.d_loss": "D's loss (discriminator)", "chart.g_loss": "G's loss (generator)",
        "cfg.optimizer": "Optimiser", "cfg.clip": "Gradient clipping (max norm, 0 = off)",
        "mlp.intro": "Pick a dataset and a network, then press **Play**: the background shows what the network "
                     "predicts at every point of the plane (blue = class 0, orange = class 1), the dots are the data "
                     "(filled: training, hollow: test). Changing any setting starts a fresh network.",
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
        "mlp.ready": "A fresh network with {params:,} parameters. Press **Play** or **Step**.",
        "mlp.stats": "Epoch {epoch:.0f} · step {step} · training loss {train:.3f} · test loss {test:.3f} · "
                     "test accuracy **{acc:.1%}** · {params:,} parameters",
        "mlp.diverged": "⚠️ Training stopped: {error}. Lower the learning rate, then press **Reset**.",
        "mlp.bad_settings": "These settings cannot be used: {error}",
        "mlp.try": "Make it fail, then fix it",
        "mlp.try_help": "Each button sets up a network that struggles. Press Play, watch, then try the fix.",
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
        "table.layer": "Layer",
        "table.type": "Operation",
        "table.shape": "Output shape",
        "table.params": "Parameters",
        "table.total": "Total",
        "table.title": "### The shape table of this tab's model",
        "table.note": "Computed from a forward pass of the real model (B = batch size).",
    },
    "zh": {
        "app.title": "# 神经网络游乐场 Neural Playground",
        "app.tagline": "观察并亲手训练经典神经网络——画一画、打打字、拖动滑块，看它们如何工作。",
        "app.language": "语言",
        "tab.cnn": "CNN · 手写数字",
        "tab.mlp": "前馈网络 / MLP",
        "tab.rnn": "RNN · LSTM · GRU",
        "tab.generative": "自编码器 · VAE · GAN",
        "tab.transformer": "Transformer",
        "tab.jobs": "训练任务",
        "soon.title": "### 即将推出",
        "soon.rnn": "输入一段序列，让 RNN、LSTM 或 GRU 接着写；逐字符查看隐藏状态和各个门。",
        "soon.generative": "拖动隐变量滑块，看 VAE 或 GAN 画出数字；对你自己画的数字进行编码。",
        "soon.transformer": "输入文本，逐层查看每个注意力头在看哪里。",
        "soon.jobs": "在后台训练任意模型，实时查看损失曲线。",
        "cnn.intro": "在方框里写一个 0 到 9 的数字。每画一笔，网络都会重新识别："
                     "看看它看到了什么、有多确定，以及内部哪些部分被激活。",
        "cnn.canvas": "在这里写一个数字",
        "cnn.clear": "清除",
        "cnn.prediction": "识别结果",
        "cnn.probabilities": "每个数字的概率",
        "cnn.sees": "模型看到的输入（28×28）",
        "cnn.saliency": "显著图：影响判断的像素",
        "cnn.inside": "网络内部：特征图",
        "cnn.inside_help": "每个卷积块（ReLU 之后）的前 16 个通道，越亮表示响应越强。"
                           "浅层对笔画和边缘有反应，深层对数字中更大的部件有反应。",
        "cnn.conv1": "第 1 块 · 卷积 1（28×28）",
        "cnn.conv2": "第 1 块 · 卷积 2（28×28）",
        "cnn.conv3": "第 2 块 · 卷积 3（14×14）",
        "cnn.conv4": "第 2 块 · 卷积 4（14×14）",
        "cnn.upload": "……或者上传一张数字图片",
        "cnn.upload_image": "图片（PNG、JPEG 等）",
        "cnn.json": "API 返回结果（JSON）",
        "cnn.theory": "原理：卷积、填充、池化",
        "cnn.status_ready": "写一个数字开始吧。",
        "cnn.status_result": "模型：{model} · 识别为 **{label}**，置信度 {confidence:.0%}。",
        "cnn.model_pretrained": "预训练 CNN（留出集准确率 {acc:.2%}）",
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
        "train.queued": "排队中：第 {pos} 位。",
        "train.running": "正在 **{device}** 上训练：第 {step} / {total} 步 · {pct:.0%} · 预计还需 {eta}。",
        "train.starting": "正在启动训练进程……",
        "train.done": "用时 {elapsed} 完成：留出集准确率 **{acc}**。点击“使用这个模型”即可在上方试用。",
        "train.cancelled": "已在第 {step} / {total} 步停止；模型保留了已经学到的内容（留出集准确率 **{acc}**）。",
        "train.failed": "失败：{error}",
        "train.using": "本页现在使用任务 {job} 的模型（留出集准确率 {acc}）。",
        "train.damaged": "任务 {job} 保存的模型已损坏，无法使用；本页继续使用当前模型。",
        "train.using_pretrained": "本页现在使用预训练模型。",
        "cnn.model_job": "你的任务 {job}（留出集准确率 {acc:.2%}）",
        "jobs.intro": "本服务器上的所有训练任务，最新的在前。选择几个任务即可对比它们的曲线。",
        "jobs.table": "任务列表",
        "jobs.compare": "对比训练过程",
        "jobs.curves": "所选任务的曲线",
        "jobs.api": "脚本使用：启动、查看、停止和使用任务（即 API 接口）",
        "jobs.arch": "网络结构",
        "jobs.config": "参数（JSON），例如 {\"epochs\": 1}",
        "jobs.start": "开始",
        "jobs.job_id": "任务 ID",
        "jobs.status": "查看状态",
        "jobs.cancel": "停止",
        "jobs.use": "在对应页面中使用",
        "jobs.answer": "返回结果（JSON）",
        "col.id": "任务", "col.arch": "模型", "col.state": "状态", "col.device": "设备",
        "col.progress": "进度", "col.acc": "留出集准确率", "col.settings": "参数",
        "col.started": "开始时间",
        "state.queued": "排队中", "state.running": "训练中", "state.done": "已完成",
        "state.failed": "失败", "state.cancelled": "已停止",
        "cfg.c1": "通道数，卷积块 1", "cfg.c2": "通道数，卷积块 2",
        "cfg.hidden": "隐藏单元数（全连接层）", "cfg.dropout": "Dropout 比例",
        "cfg.lr": "学习率（峰值）", "cfg.weight_decay": "权重衰减",
        "cfg.batch_size": "批大小", "cfg.epochs": "训练轮数（epoch）",
        "cfg.augment": "数据增强（随机形变、笔画粗细）", "cfg.data": "训练数据",
        "chart.step": "步数", "chart.loss": "训练损失", "chart.acc": "留出集准确率",
        "chart.d_loss": "判别器 D 的损失", "chart.g_loss": "生成器 G 的损失",
        "cfg.optimizer": "优化器", "cfg.clip": "梯度裁剪（最大范数，0 表示不裁剪）",
        "mlp.intro": "选一个数据集和网络结构，然后点击 **播放**：背景是网络对平面上每一点的预测（蓝色为第 0 类，"
                     "橙色为第 1 类），圆点是数据（实心：训练集，空心：测试集）。修改任何设置都会重新开始一个新网络。",
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
        "mlp.ready": "新网络，共 {params:,} 个参数。点击 **播放** 或 **单步**。",
        "mlp.stats": "第 {epoch:.0f} 轮 · 第 {step} 步 · 训练损失 {train:.3f} · 测试损失 {test:.3f} · "
                     "测试准确率 **{acc:.1%}** · 共 {params:,} 个参数",
        "mlp.diverged": "⚠️ 训练已停止：{error}。请降低学习率，然后点击 **重置**。",
        "mlp.bad_settings": "这些设置无法使用：{error}",
        "mlp.try": "先让它失败，再把它修好",
        "mlp.try_help": "每个按钮都会搭出一个学不好的网络。点击播放观察，然后试试修正方法。",
        "mlp.sc_linear": "双螺旋，没有隐藏层", "mlp.sc_divergent": "学习率过大",
        "mlp.sc_sigmoid": "六层 sigmoid + SGD",
        "mlp.sc_linear_text": "没有隐藏层时，网络就是逻辑回归：它的决策边界在输入空间里是一条直线，而没有任何直线能分开"
                              "两条螺旋。**修正：**加两到三个隐藏层。",
        "mlp.sc_divergent_text": "普通 SGD 用学习率 10 时每一步都迈得太大：损失来回跳动，或者网络退化成只输出一个类别。"
                                 "**修正：**学习率改为 0.03，或换用 Adam。",
        "mlp.sc_sigmoid_text": "sigmoid 的斜率最大只有 ¼，梯度每往回传一层就缩小一次：前面几层几乎学不动，损失停在 0.69 "
                               "附近。**修正：**改用 ReLU 或 tanh、减少层数，或换用 Adam（它会为每个权重调整步长）。",
        "mlp.code": "查看代码（与当前设置对应的 PyTorch 脚本）",
        "mlp.theory": "原理：层、激活函数、反向传播、正则化",
        "table.layer": "层",
        "table.type": "运算",
        "table.shape": "输出形状",
        "table.params": "参数量",
        "table.total": "合计",
        "table.title": "### 本页模型的形状表",
        "table.note": "由真实模型的一次前向传播计算得出（B 为批大小）。",
    },
}

# Messages of the data layer's errors: English comes from playground.data, 中文 is here.
STRINGS["en"].update({f"err.{code}": text for code, text in drawing.ERRORS.items()})
STRINGS["zh"].update({
    "err.blank": "还没有可以识别的数字：请先写一个（或上传一张有数字的图片）。",
    "err.not_image": "无法读取这个文件：它不是图片（支持 PNG、JPEG、GIF、BMP、WebP）。",
    "err.too_large": "图片为 {w}×{h} 像素，最大只接受 {max}×{max}。",
    "err.too_small": "图片为 {w}×{h} 像素，至少要 {min}×{min} 才能容纳一个数字。",
    "err.too_many_bytes": "文件太大（最大 {mb} MB）。",
    "err.no_image": "没有收到图片。",
    "err.internal": "出了点问题，请再试一次。",
})


def _load_texts() -> None:
    for lang in LANGS:
        for path in sorted((TEXT / lang).glob("*.md")):
            STRINGS[lang][f"text.{path.stem}"] = path.read_text(encoding="utf-8")


def _load_tab_strings() -> None:
    """A tab may keep its strings in ``strings/<tab>.py`` as ``EN`` and ``ZH`` dicts: merged here."""
    import importlib
    import pkgutil

    from playground.ui import strings
    for info in pkgutil.iter_modules(strings.__path__):
        module = importlib.import_module(f"{strings.__name__}.{info.name}")
        for lang, table in (("en", module.EN), ("zh", module.ZH)):
            clash = set(table) & set(STRINGS[lang])
            assert not clash, f"strings/{info.name}.py redefines {sorted(clash)}"
            STRINGS[lang].update(table)


_load_texts()
_load_tab_strings()
assert set(STRINGS["en"]) == set(STRINGS["zh"]), set(STRINGS["en"]) ^ set(STRINGS["zh"])


def table() -> gr.I18n:
    """The whole table, for ``launch(i18n=...)``: build it after the tabs have added their texts."""
    return gr.I18n(**STRINGS)


def add(key: str, texts: dict[str, str]) -> None:
    """Add a text made at build time (e.g. a theory panel with its live table) in every language."""
    for lang in LANGS:
        STRINGS[lang][key] = texts[lang]


def t(key: str) -> I18nData:
    """A translated string for a component (resolved in the browser)."""
    if not all(key in STRINGS[lang] for lang in LANGS):
        raise KeyError(f"missing i18n key {key!r}")
    return I18nData(key)


def lang_of(request: gr.Request | None) -> str:
    """The page's language: the switch's cookie, else the browser's first choice, else English."""
    if request is None:
        return "en"
    cookie = (getattr(request, "cookies", None) or {}).get("np_lang")
    if cookie in LANGS:
        return cookie
    accept = (request.headers.get("accept-language") or "").lower()
    return "zh" if accept.startswith("zh") else "en"


def msg(key: str, request: gr.Request | None = None, lang: str | None = None, **params) -> str:
    """A server-made message in the page's language, formatted with ``params``."""
    lang = lang or lang_of(request)
    return STRINGS[lang][key].format(**params)
