"""Strings of the Health tab."""

EN = {
    "tab.health": "Health",
    "health.intro": "How this server is doing right now: its training jobs, memory, processor and device. "
                    "It refreshes every 5 seconds while this tab is open.",
    "health.refresh": "Refresh",
    "health.json": "As JSON (also at the /health API endpoint)",
    "health.summary": "**Status: {status}** · up {uptime} · Python {python} · torch {torch} · Gradio {gradio}",
    "health.jobs": "Training jobs",
    "health.jobs_line": "{running} running, {queued} queued, {done} done, {failed} failed, {cancelled} stopped · "
                        "limits: {max_queued} waiting, {max_per_owner} per visitor, served in turn across visitors",
    "health.pools_line": "CPU: {cpu_running} of {max_running} running at once, {threads} threads each · "
                         "GPU: {gpu_running} of {gpu_slots} sharing it",
    "health.gpu_guard": " (a new GPU job starts only with {min_free} MB free)",
    "health.backend": "Where jobs run",
    "health.backend_local": "this machine's processes ({cpus} cores, {gpus} GPUs)",
    "health.backend_ray": "Ray cluster: {n} nodes, {cpus} CPUs, {gpus} GPUs · {nodes}",
    "health.backend_down": "Ray cluster: unreachable ({error}); jobs wait in line until it answers",
    "health.active": "Now training: {jobs}",
    "health.memory": "Memory",
    "health.memory_line": "this server process {rss} MB · machine {available} MB free of {total} MB",
    "health.cpu": "Processor",
    "health.cpu_line": "{cores} cores · load {load1} (1 min), {load5} (5 min) · {threads} inference threads",
    "health.device": "Device",
    "health.device_cpu": "CPU only (no CUDA GPU): training jobs run on the CPU.",
    "health.device_gpu": "CUDA GPU: {gpu}, {free} MB free of {total} MB: training jobs use it.",
    "health.storage": "Storage",
    "health.storage_ok": "training runs can be saved · {free} MB free",
    "health.storage_bad": "training runs CANNOT be saved (read-only or full disk): new jobs are refused; "
                          "every pretrained model still works",
    "health.models": "Models",
    "health.models_line": "{n} pretrained: {names} · {loaded} loaded in memory",
    "health.serving": "Serving",
    "health.serving_line": "up to {concurrency} requests of each kind at once, {queue} waiting; uploads up to {upload}",
}

ZH = {
    "tab.health": "运行状况",
    "health.intro": "本服务器此刻的状况：训练任务、内存、处理器与计算设备。本页打开时每 5 秒刷新一次。",
    "health.refresh": "刷新",
    "health.json": "JSON 格式（也可通过 /health API 获取）",
    "health.summary": "**状态：{status}** · 已运行 {uptime} · Python {python} · torch {torch} · Gradio {gradio}",
    "health.jobs": "训练任务",
    "health.jobs_line": "{running} 个运行中，{queued} 个排队，{done} 个完成，{failed} 个失败，{cancelled} 个已停止 · "
                        "上限：排队 {max_queued} 个，每位访客 {max_per_owner} 个，各访客轮流使用",
    "health.pools_line": "CPU：同时运行 {cpu_running} / {max_running} 个，每个 {threads} 个线程 · "
                         "GPU：{gpu_running} / {gpu_slots} 个共享",
    "health.gpu_guard": "（空闲显存至少 {min_free} MB 时才启动新的 GPU 任务）",
    "health.backend": "任务在哪里运行",
    "health.backend_local": "本机进程（{cpus} 个核心，{gpus} 块 GPU）",
    "health.backend_ray": "Ray 集群：{n} 个节点，{cpus} 个 CPU，{gpus} 块 GPU · {nodes}",
    "health.backend_down": "Ray 集群：无法连接（{error}）；任务会排队等待，直到它恢复响应",
    "health.active": "正在训练：{jobs}",
    "health.memory": "内存",
    "health.memory_line": "本服务器进程 {rss} MB · 机器可用 {available} MB，共 {total} MB",
    "health.cpu": "处理器",
    "health.cpu_line": "{cores} 个核心 · 负载 {load1}（1 分钟），{load5}（5 分钟）· 推理线程 {threads} 个",
    "health.device": "计算设备",
    "health.device_cpu": "仅 CPU（没有 CUDA GPU）：训练任务在 CPU 上运行。",
    "health.device_gpu": "CUDA GPU：{gpu}，可用 {free} MB，共 {total} MB：训练任务会使用它。",
    "health.storage": "存储",
    "health.storage_ok": "可以保存训练结果 · 剩余 {free} MB",
    "health.storage_bad": "无法保存训练结果（只读或磁盘已满）：新任务会被拒绝；所有预训练模型仍然可用",
    "health.models": "模型",
    "health.models_line": "{n} 个预训练模型：{names} · 内存中已加载 {loaded} 个",
    "health.serving": "服务",
    "health.serving_line": "每类请求最多同时处理 {concurrency} 个，排队 {queue} 个；上传文件最大 {upload}",
}
