"""Error messages that any tab may show: bad images (the data layer's codes) and bad API settings."""

from playground.data import drawing

EN = {
    **{f"err.{code}": text for code, text in drawing.ERRORS.items()},  # the data layer says it in English
}

ZH = {
    "err.blank": "还没有可以识别的数字：请先写一个（或上传一张有数字的图片）。",
    "err.not_image": "无法读取这个文件：它不是图片（支持 PNG、JPEG、GIF、BMP、WebP）。",
    "err.too_large": "图片为 {w}×{h} 像素，最大只接受 {max}×{max}。",
    "err.too_small": "图片为 {w}×{h} 像素，至少要 {min}×{min} 才能容纳一个数字。",
    "err.too_many_bytes": "文件太大（最大 {mb} MB）。",
    "err.no_image": "没有收到图片。",
    "err.internal": "出了点问题，请再试一次。",
}
