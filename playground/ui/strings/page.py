"""Strings of the page itself: title, tagline and the tab names."""

EN = {
    "app.title": "# Neural Playground",
    "app.tagline": "See and train the classic neural networks — draw, type, slide and watch them work.",
    "app.language": "Language",
    "tab.cnn": "CNN · draw a digit",
    "tab.mlp": "FNN / MLP",
    "tab.rnn": "RNN · LSTM · GRU",
    "tab.generative": "AE · VAE · GAN",
    "tab.transformer": "Transformer",
    "tab.jobs": "Training jobs",
}

ZH = {
    "app.title": "# 神经网络游乐场 Neural Playground",
    "app.tagline": "观察并亲手训练经典神经网络——画一画、打打字、拖动滑块，看它们如何工作。",
    "app.language": "语言",
    "tab.cnn": "CNN · 手写数字",
    "tab.mlp": "前馈网络 / MLP",
    "tab.rnn": "RNN · LSTM · GRU",
    "tab.generative": "自编码器 · VAE · GAN",
    "tab.transformer": "Transformer",
    "tab.jobs": "训练任务",
}
