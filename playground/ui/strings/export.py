"""Strings of the Models (export) tab."""

EN = {
    "tab.export": "Models · download",
    "export.intro": "Every model of this app — the pretrained ones and those trained here — downloads as a zip: "
                    "`config.json` (its settings), `model.safetensors` (its weights, no pickle), the source of its "
                    "architecture and `run.py`, which loads and runs it with plain PyTorch "
                    "(`pip install torch safetensors numpy`, then `python run.py`).",
    "export.model": "Model",
    "export.refresh": "Refresh the list",
    "export.download": "Make the zip",
    "export.file": "Download",
    "export.info": "**{name}** · architecture `{arch}` · {params:,} parameters · metrics: {metrics}",
    "export.snippet": "run.py (inside the zip)",
    "export.pretrained": "pretrained · {name}",
    "export.job": "trained here · {name}",
    "export.unknown": "There is no model called {name!r}: pick one from the list (pretrained name or a finished job id).",
    "export.broken": "The files of model {name!r} are damaged; it cannot be exported.",
}

ZH = {
    "tab.export": "模型 · 下载",
    "export.intro": "本应用的每个模型（预训练的和在这里训练的）都可以下载为 zip：`config.json`（设置）、"
                    "`model.safetensors`（权重，不使用 pickle）、模型结构的源代码，以及用纯 PyTorch 加载并运行它的 "
                    "`run.py`（`pip install torch safetensors numpy`，然后 `python run.py`）。",
    "export.model": "模型",
    "export.refresh": "刷新列表",
    "export.download": "生成 zip",
    "export.file": "下载",
    "export.info": "**{name}** · 结构 `{arch}` · {params:,} 个参数 · 指标：{metrics}",
    "export.snippet": "run.py（在 zip 中）",
    "export.pretrained": "预训练 · {name}",
    "export.job": "在此训练 · {name}",
    "export.unknown": "没有名为 {name!r} 的模型：请从列表中选择（预训练模型名或已完成任务的编号）。",
    "export.broken": "模型 {name!r} 的文件已损坏，无法导出。",
}
