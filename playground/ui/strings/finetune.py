"""Fine-tuning the CNN on a learner's own digits: the API's refusals and the curve's name (ui/finetune.py)."""

from playground.data import collections

EN = {
    **{f"err.{code}": text for code, text in collections.ERRORS.items()},
    "chart.personal_acc": "accuracy on your held-out digits",
    "err.ft_images": "send the drawings as a list of image files (at least {min}, at most {max})",
    "err.ft_one": "one drawing is not enough to fine-tune on: send at least {min}",
    "err.ft_labels_json": "labels must be a JSON list of whole numbers 0–9, one per image, e.g. [3, 7]",
    "err.ft_count": "there are {images} images but {labels} labels: give exactly one label per image",
    "err.ft_label": "label {index} is {value}: labels must be whole numbers 0–9",
    "err.ft_image": "image {index}: {why}",
    "err.ft_duplicate": "image {index} is the same drawing as image {first}: each drawing counts once",
    "err.ft_start": "unknown start model {value}: use \"pretrained\" or the id of a finished CNN job",
    "err.ft_start_state": "the start model {value} is not ready: its job is {state}",
    "err.ft_fixed": "{name} is set by the fine-tune (the start model and your digits), not by config",
    "err.ft_arch": "{name} must be {expected}, as in the start model {start}; got {value}",
    "err.ft_not_finetune": "job {job} is not a fine-tune on your digits",
    "err.ft_not_done": "job {job} has no before/after yet (state: {state})",
}

ZH = {
    "err.collection_few": "微调至少需要 {min} 个数字；收到 {n} 个",
    "err.collection_many": "一个集合最多 {max} 个数字；收到 {n} 个",
    "err.collection_shape": "数字必须是 28×28 的图；收到的数组形状为 {shape}",
    "err.collection_labels": "每个数字需要一个 0–9 的标签：{m} 个数字却有 {n} 个标签",
    "err.collection_label_range": "标签必须是 0–9 的整数；第 {index} 个标签是 {value}",
    "err.collection_unknown": "这台机器上没有集合 {id}（微调读取的是服务器的磁盘）",
    "err.collection_damaged": "集合 {id} 无法读取",
    "chart.personal_acc": "你留出的数字上的准确率",
    "err.ft_images": "请以图片文件列表的形式发送手写数字（至少 {min} 张，最多 {max} 张）",
    "err.ft_one": "只有一张图无法微调：请至少发送 {min} 张",
    "err.ft_labels_json": "labels 必须是 0–9 整数组成的 JSON 列表，每张图一个，例如 [3, 7]",
    "err.ft_count": "有 {images} 张图却有 {labels} 个标签：每张图必须恰好一个标签",
    "err.ft_label": "第 {index} 个标签是 {value}：标签必须是 0–9 的整数",
    "err.ft_image": "第 {index} 张图：{why}",
    "err.ft_duplicate": "第 {index} 张图与第 {first} 张图是同一个手写数字：每个数字只算一次",
    "err.ft_start": "未知的起始模型 {value}：请用 \"pretrained\"（预训练模型）或一个已完成的 CNN 任务的 id",
    "err.ft_start_state": "起始模型 {value} 还不能用：它的任务状态是 {state}",
    "err.ft_fixed": "{name} 由微调本身决定（起始模型和你的数字），不能在 config 中设置",
    "err.ft_arch": "{name} 必须是 {expected}，与起始模型 {start} 相同；收到的是 {value}",
    "err.ft_not_finetune": "任务 {job} 不是在你的数字上的微调",
    "err.ft_not_done": "任务 {job} 还没有前后对比（状态：{state}）",
}
