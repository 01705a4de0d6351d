"""Strings of the RNN · LSTM · GRU tab (English and 中文, same keys)."""

from playground.ui.strings import markdown

EN = {
    "text.rnn_theory": markdown("en", "rnn_theory"),
    "rnn.intro": "Type the start of a sentence and let a recurrent network continue it, one character at a time. "
                 "Three character-level language models — a vanilla **RNN**, an **LSTM** and a **GRU**, the same size, "
                 "trained the same way — learned from *Moby-Dick* (Herman Melville, 1851, public domain). "
                 "Then look inside the cell: what its memory holds after each character.",
    "rnn.prompt": "Your text (the prompt)",
    "rnn.prompt_placeholder": "Call me Ishmael. Some years ago",
    "rnn.cell": "Cell",
    "rnn.cell_own": "your trained model",
    "rnn.impl": "Implementation",
    "rnn.impl_scratch": "from scratch (our cells)",
    "rnn.impl_builtin": "built-in (nn.RNN / nn.LSTM / nn.GRU)",
    "rnn.length": "Characters to write",
    "rnn.temperature": "Temperature (low = safe, high = wild)",
    "rnn.continue": "Continue the text",
    "rnn.output": "Prompt and continuation",
    "rnn.output_empty": "The continuation appears here: your text in grey, the model's in colour.",
    "rnn.probs": "Which character comes next? (top 15 after your text)",
    "rnn.status_ready": "Type a prompt and press **Continue the text**.",
    "rnn.status_done": "{model} · {impl} · wrote {n} characters in {seconds:.2f} s.",
    "rnn.model_pretrained": "pretrained {cell}",
    "rnn.model_job": "your job {job} ({cell})",
    "rnn.no_own_model": "You have not chosen a trained model yet (train one below and press *Use this model*); "
                        "showing the pretrained LSTM.",
    "rnn.empty_prompt": "Empty prompt: the model starts from a new paragraph.",
    "rnn.unknown_chars": "Left out {n} character(s) the model never saw: {chars}",
    "rnn.truncated": "The prompt was {n:,} characters long; only its last {max:,} are read.",
    "rnn.bad_length": "Length must be a whole number from 1 to {max}; got {value}.",
    "rnn.bad_temperature": "Temperature must be a number from {lo} to {hi}; got {value}.",
    "rnn.bad_cell": "Unknown cell {value!r}: choose rnn, lstm or gru.",
    "rnn.bad_text": "The text must be a string.",
    "rnn.inside": "Inside the cell",
    "rnn.inside_help": "Each column is one character of your text (the last {max} at most), each row one unit of the "
                       "state; the {units} units whose hidden state varies most are shown, in the same order in "
                       "every panel. Hover a cell to read the character and the value. Blue/red: −1…+1 (tanh); "
                       "dark→yellow: 0…1 (sigmoid gates: 0 = closed, 1 = open).",
    "rnn.heatmap": "States and gates per character",
    "rnn.panel_hidden": "hidden state h",
    "rnn.panel_cell": "cell state c",
    "rnn.panel_i": "input gate i",
    "rnn.panel_f": "forget gate f",
    "rnn.panel_g": "candidate g (C̃)",
    "rnn.panel_o": "output gate o",
    "rnn.panel_r": "reset gate r",
    "rnn.panel_z": "update gate z (share kept)",
    "rnn.panel_n": "candidate n (h̃)",
    "rnn.hover": "character {char} (position {t})<br>unit {unit}: {value}",
    "rnn.bpc_title": "Bits per character on the held-out test text, the last 5 % of the book (lower is better; the "
                     "recurrent models carry their state through the whole text, the Transformer reads it through "
                     "its 64-character window moved 32 characters at a time)",
    "rnn.unigram": "unigram baseline",
    "rnn.counted": "counted",
    "rnn.gates": "Why gates matter: remember the first symbol",
    "rnn.gates_help": "**Delayed recall.** A sequence of random symbols (8 kinds) is read one by one; after the last, "
                      "the network must name the *first*. Chance is 12.5 %. Every later symbol is a distractor, so "
                      "the answer must survive the whole sequence in the state. Below: ready-made results of the "
                      "three cells trained with the same settings and steps for each length, each with several "
                      "seeds (n in the table): the line is the mean over seeds, the band runs from the worst seed "
                      "to the best. The gated cells recalled the symbol in every run. The vanilla RNN is "
                      "unreliable: on short gaps some seeds learn the task and others do not, and on the longest "
                      "gap every seed stays near chance. On the right (the run with the first seed), the gradient of the loss "
                      "with respect to each hidden state h_t: for the RNN it shrinks geometrically with distance "
                      "from the end (note the log scale; a gap means it fell below 10⁻⁴⁵, the smallest float) — the vanishing "
                      "gradient. The gated cells start with *chrono* gate biases (Tallec & Ollivier 2018: memory "
                      "spans spread up to the sequence length); the RNN has no gate to set. Made by "
                      "`python bench/rnn.py --longrange`.",
    "rnn.acc_plot": "Recall accuracy by sequence length",
    "rnn.grad_plot": "Gradient norm ‖∂L/∂hₜ‖ per time step",
    "rnn.grad_len": "Sequence length",
    "rnn.grad_when": "Weights",
    "rnn.grad_init": "at initialisation",
    "rnn.grad_trained": "after training",
    "rnn.acc_table": "Accuracy table",
    "rnn.no_results": "No ready-made results yet (run `python bench/rnn.py --longrange`).",
    "rnn.chance": "chance",
    "rnn.length_axis": "sequence length",
    "rnn.step_axis": "time step t",
    "rnn.acc_axis": "accuracy",
    "rnn.grad_axis": "‖∂L/∂hₜ‖ (log)",
    "rnn.train_lm": "Train your own character model",
    "rnn.train_lr": "Train the long-range task",
    "rnn.theory": "Theory: RNN, LSTM and GRU equations, parameter counts",
    "rnn.api": "API answer (JSON)",
    "train.title.charlm": "Train your own character-level language model",
    "train.title.longrange": "Train the delayed-recall task (pick the cell and the sequence length)",
    "train.preview.charlm": "Live preview",
    "train.preview.longrange": "Live preview",
    "cfg.charlm.cell": "Cell", "cfg.charlm.impl": "Implementation (same weights)",
    "cfg.charlm.d_embed": "Embedding size D", "cfg.charlm.hidden": "Hidden size H",
    "cfg.charlm.n_layers": "Layers", "cfg.charlm.block": "Window (characters of BPTT)",
    "cfg.charlm.steps": "Steps per epoch",
    "cfg.charlm.gates": "GRU gates: both, update z only, reset r only (d2l's exercise)",
    "cfg.longrange.cell": "Cell", "cfg.longrange.seq_len": "Sequence length (distance to recall)",
    "cfg.longrange.hidden": "Hidden size H", "cfg.longrange.steps": "Steps per epoch",
    "cfg.longrange.init": "Gate-bias initialisation",
}

ZH = {
    "text.rnn_theory": markdown("zh", "rnn_theory"),
    "rnn.intro": "输入一句话的开头，让循环神经网络一个字符一个字符地续写。三个字符级语言模型——普通 **RNN**、**LSTM** 和 "
                 "**GRU**，规模相同、训练方式相同——都学自《白鲸记》（赫尔曼·梅尔维尔，1851 年，公有领域）。"
                 "然后看看单元内部：每读一个字符，它的记忆里存了什么。",
    "rnn.prompt": "你的文本（提示）",
    "rnn.prompt_placeholder": "Call me Ishmael. Some years ago",
    "rnn.cell": "单元类型",
    "rnn.cell_own": "你训练的模型",
    "rnn.impl": "实现方式",
    "rnn.impl_scratch": "从零实现（我们的单元）",
    "rnn.impl_builtin": "内置（nn.RNN / nn.LSTM / nn.GRU）",
    "rnn.length": "续写字符数",
    "rnn.temperature": "温度（低 = 稳妥，高 = 大胆）",
    "rnn.continue": "续写",
    "rnn.output": "提示与续写",
    "rnn.output_empty": "续写结果显示在这里：灰色是你的文本，彩色是模型写的。",
    "rnn.probs": "下一个字符是什么？（你的文本之后概率最高的 15 个）",
    "rnn.status_ready": "输入提示后点击 **续写**。",
    "rnn.status_done": "{model} · {impl} · 用 {seconds:.2f} 秒写了 {n} 个字符。",
    "rnn.model_pretrained": "预训练 {cell}",
    "rnn.model_job": "你的任务 {job}（{cell}）",
    "rnn.no_own_model": "你还没有选择训练好的模型（在下方训练一个并点击 *使用这个模型*）；现在显示预训练的 LSTM。",
    "rnn.empty_prompt": "提示为空：模型从一个新段落开始写。",
    "rnn.unknown_chars": "去掉了 {n} 个模型没见过的字符：{chars}",
    "rnn.truncated": "提示共 {n:,} 个字符；只读取最后 {max:,} 个。",
    "rnn.bad_length": "长度必须是 1 到 {max} 之间的整数；收到的是 {value}。",
    "rnn.bad_temperature": "温度必须是 {lo} 到 {hi} 之间的数；收到的是 {value}。",
    "rnn.bad_cell": "未知的单元 {value!r}：请选择 rnn、lstm 或 gru。",
    "rnn.bad_text": "文本必须是字符串。",
    "rnn.inside": "单元内部",
    "rnn.inside_help": "每一列是你文本中的一个字符（最多最后 {max} 个），每一行是状态的一个单元；这里显示隐藏状态变化最大的 "
                       "{units} 个单元，各面板顺序相同。鼠标悬停可读出字符和数值。蓝/红：−1…+1（tanh）；"
                       "深色→黄色：0…1（sigmoid 门：0 = 关，1 = 开）。",
    "rnn.heatmap": "每个字符处的状态与门",
    "rnn.panel_hidden": "隐藏状态 h",
    "rnn.panel_cell": "细胞状态 c",
    "rnn.panel_i": "输入门 i",
    "rnn.panel_f": "遗忘门 f",
    "rnn.panel_g": "候选记忆 g（C̃）",
    "rnn.panel_o": "输出门 o",
    "rnn.panel_r": "重置门 r",
    "rnn.panel_z": "更新门 z（保留比例）",
    "rnn.panel_n": "候选状态 n（h̃）",
    "rnn.hover": "字符 {char}（位置 {t}）<br>单元 {unit}：{value}",
    "rnn.bpc_title": "留出的测试文本（全书最后 5%）上的每字符比特数（越低越好；循环模型的状态贯穿整个文本，"
                     "Transformer 用 64 个字符的窗口、每次移动 32 个字符来读）",
    "rnn.unigram": "一元模型基线",
    "rnn.counted": "实际计数",
    "rnn.gates": "门为什么重要：记住第一个符号",
    "rnn.gates_help": "**延迟回忆。** 网络逐个读入一串随机符号（共 8 种）；读完最后一个后，必须说出*第一个*。随机猜的准确率是 "
                      "12.5%。后面的每个符号都是干扰，所以答案必须在状态里保存整整一个序列。下面是预先跑好的结果："
                      "三种单元在每个长度下用相同设置、相同步数训练，每种都用了多个随机种子（个数 n 见表）：曲线是各种子的平均，"
                      "阴影带从最差的种子延伸到最好的种子。带门的单元在每次运行中都记住了符号。普通 RNN 不可靠：间隔较短时，"
                      "有的种子学会了任务，有的没有；在最长的间隔上，每个种子都停留在随机水平附近。右图（第一个种子的那次运行）是损失对每个隐藏状态 h_t 的梯度：对 RNN 来说，它随着离结尾的距离呈几何级数缩小（注意对数坐标）"
                      "——这就是梯度消失（曲线中断表示已小于 10⁻⁴⁵，即最小的浮点数）。带门的单元用 *chrono* 方法初始化门偏置"
                      "（Tallec 与 Ollivier 2018：记忆跨度分布到序列长度）；RNN 没有门可以设置。由 "
                      "`python bench/rnn.py --longrange` 生成。",
    "rnn.acc_plot": "不同序列长度下的回忆准确率",
    "rnn.grad_plot": "每个时间步的梯度范数 ‖∂L/∂hₜ‖",
    "rnn.grad_len": "序列长度",
    "rnn.grad_when": "权重",
    "rnn.grad_init": "初始化时",
    "rnn.grad_trained": "训练后",
    "rnn.acc_table": "准确率表",
    "rnn.no_results": "还没有现成结果（运行 `python bench/rnn.py --longrange`）。",
    "rnn.chance": "随机猜测",
    "rnn.length_axis": "序列长度",
    "rnn.step_axis": "时间步 t",
    "rnn.acc_axis": "准确率",
    "rnn.grad_axis": "‖∂L/∂hₜ‖（对数）",
    "rnn.train_lm": "训练你自己的字符模型",
    "rnn.train_lr": "训练长程依赖任务",
    "rnn.theory": "原理：RNN、LSTM、GRU 的公式与参数量",
    "rnn.api": "API 返回（JSON）",
    "train.title.charlm": "训练你自己的字符级语言模型",
    "train.title.longrange": "训练延迟回忆任务（选择单元类型和序列长度）",
    "train.preview.charlm": "实时预览",
    "train.preview.longrange": "实时预览",
    "cfg.charlm.cell": "单元类型", "cfg.charlm.impl": "实现方式（权重相同）",
    "cfg.charlm.d_embed": "嵌入维度 D", "cfg.charlm.hidden": "隐藏维度 H",
    "cfg.charlm.n_layers": "层数", "cfg.charlm.block": "窗口（BPTT 的字符数）",
    "cfg.charlm.steps": "每轮步数",
    "cfg.charlm.gates": "GRU 的门：两个都要、只要更新门 z、只要重置门 r（d2l 练习）",
    "cfg.longrange.cell": "单元类型", "cfg.longrange.seq_len": "序列长度（回忆的距离）",
    "cfg.longrange.hidden": "隐藏维度 H", "cfg.longrange.steps": "每轮步数",
    "cfg.longrange.init": "门偏置初始化",
}
