"""Strings of the CNN tab."""

from playground.ui.strings import markdown

EN = {
    "text.cnn_theory": markdown("en", "cnn_theory"),
    "cnn.intro": "Draw a digit from 0 to 9 in the box, with a mouse, a pen or a finger. The network reads it "
                 "while you draw; when you lift the pen, see what it sees, how sure it is, and what lights up "
                 "inside it.",
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
    "cnn.model_job": "your job {job} (held-out accuracy {acc:.2%})",
    "table.layer": "Layer",
    "table.type": "Operation",
    "table.shape": "Output shape",
    "table.params": "Parameters",
    "table.total": "Total",
    "table.title": "### The shape table of this tab's model",
    "table.note": "Computed from a forward pass of the real model (B = batch size).",
}

ZH = {
    "text.cnn_theory": markdown("zh", "cnn_theory"),
    "cnn.intro": "用鼠标、触控笔或手指在方框里写一个 0 到 9 的数字。边写边识别；"
                 "抬笔之后，看看网络看到了什么、有多确定，以及内部哪些部分被激活。",
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
    "cnn.model_job": "你的任务 {job}（留出集准确率 {acc:.2%}）",
    "table.layer": "层",
    "table.type": "运算",
    "table.shape": "输出形状",
    "table.params": "参数量",
    "table.total": "合计",
    "table.title": "### 本页模型的形状表",
    "table.note": "由真实模型的一次前向传播计算得出（B 为批大小）。",
}
