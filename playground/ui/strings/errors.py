"""Error messages that any tab may show, by code: bad pictures (``data.drawing``), refused settings and
jobs (``playground.errors``), bad API arguments. The English of the first two is the code's own."""

from playground import errors
from playground.data import drawing, points

EN = {
    **{f"err.{code}": text for code, text in drawing.ERRORS.items()},
    **{f"err.{code}": text for code, text in errors.MESSAGES.items()},
    **{f"err.{code}": text for code, text in points.ERRORS.items()},
    "err.config_size": "config must be a JSON object of at most {max} characters",
    "err.health_step": "step must be a whole number of steps, 0 or more, not {value}",
    "err.config_deep": "config is nested too deeply to be a JSON object of settings",
    "err.config_json": "config is not valid JSON ({why} at character {pos})",
    "err.config_object": "config must be a JSON object, e.g. {example}",
    "err.arch_text": "arch must be one of: {valid}",
    "err.steps": "steps must be a whole number in [1, {max}], got {value}",
}

ZH = {
    "err.blank": "还没有可以识别的数字：请先写一个（或上传一张有数字的图片）。",
    "err.not_image": "无法读取这个文件：它不是图片（支持 PNG、JPEG、GIF、BMP、WebP）。",
    "err.too_large": "图片为 {w}×{h} 像素，最大只接受 {max}×{max}。",
    "err.too_small": "图片为 {w}×{h} 像素，至少要 {min}×{min} 才能容纳一个数字。",
    "err.too_many_bytes": "文件太大（最大 {mb} MB）。",
    "err.no_image": "没有收到图片。",
    "err.internal": "出了点问题，请再试一次。",
    "err.setting_range": "{name} 必须是 [{lo}, {hi}] 之间的数，收到的是 {value}",
    "err.setting_choice": "{name} 必须是 {valid} 之一，收到的是 {value}",
    "err.setting_unknown": "未知的设置：{names}；可用的设置：{valid}",
    "err.setting_device": "device 必须是 {valid} 之一，收到的是 {value}",
    "err.arch_unknown": "未知的网络结构 {value}；可选：{valid}",
    "err.gates_gru_only": "gates={gates} 只适用于 GRU（当前 cell 是 {cell}）；请保持 gates=both",
    "err.job_unknown": "没有这个任务：{job}",
    "err.job_no_model": "任务 {job} 还没有训练好的模型（状态：{state}）",
    "err.job_per_owner": "你已经有 {n} 个任务在排队或训练中；请等其中一个完成，或停止一个",
    "err.job_queue_full": "队列已满（{n} 个任务在等待）；请稍后再试",
    "err.job_storage": "现在无法训练：训练结果无法写入存储（{why}）；预训练模型仍然可以使用",
    "err.job_not_yours": "这个任务是另一个会话启动的，只有它才能停止该任务",
    "err.setting_start": "start 必须是 \"\"（从头训练）、\"pretrained\"（预训练模型）或一个已完成的 CNN 任务的 id"
                         "（形如 cnn-20261203-121314-a1b2c3）；收到的是 {value}",
    "err.setting_personal": "personal 必须是 \"\" 或一个已保存的数字集合的 id（64 位十六进制）；收到的是 {value}",
    "err.fnn_too_long": "这样需要 {steps} 步，最多 {max} 步（请减少轮数或增大批大小）",
    "err.config_size": "config 必须是不超过 {max} 个字符的 JSON 对象",
    "err.health_step": "step 必须是大于等于 0 的整数步数，而不是 {value}",
    "err.config_deep": "config 嵌套太深，不是一个设置用的 JSON 对象",
    "err.config_json": "config 不是有效的 JSON（第 {pos} 个字符处：{why}）",
    "err.config_object": "config 必须是一个 JSON 对象，例如 {example}",
    "err.arch_text": "arch 必须是以下之一：{valid}",
    "err.steps": "steps 必须是 [1, {max}] 之间的整数，收到的是 {value}",
    "err.points_form": "points 必须是由 [x, y, label] 组成的列表，例如 [[0.5, -1.2, 0], [1, 1, 1]]；收到的是 {value}",
    "err.points_range": "points[{row}] 是 ({x}, {y})：x 和 y 必须是 [-{lim}, {lim}] 之间的数，即所显示的平面",
    "err.points_label": "points[{row}] 的类别是 {value}：类别必须是 0 到 {top} 的整数（最多 {k} 类）",
    "err.points_many": "一共 {n} 个点；最多 {max} 个",
    "err.points_classes": "训练至少需要两类点；这 {n} 个点只有 {k} 类",
    "err.points_preset": "自己的点要配合数据集 \"custom\"（或不指定数据集），而不是 {dataset!r}",
    "err.csv_size": "CSV 文件有 {kb} kB；最多 {max} kB（{points} 个点）",
    "err.csv_empty": "这个文件里没有可用的行：每行必须是 x,y,label（例如 0.5,-1.2,0）；有 {bad} 行无法读取",
}
