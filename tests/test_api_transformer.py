"""The Transformer tab's public endpoints through gradio_client: /attention and /transformer_generate."""

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from playground import checkpoint


def _check_causal(out):
    att = np.array(out["attention"])  # (layers, heads, T, T)
    T = len(out["tokens"])
    assert att.shape[2:] == (T, T)
    assert np.allclose(att.sum(-1), 1, atol=1e-5)
    assert (att[..., np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]] == 0).all()
    return att


def test_api_lists_the_transformer_endpoints(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/attention", "/transformer_generate"} <= names


def test_attention_of_text_has_one_row_per_character(client):
    out = client.predict("Call me Ishmael.", "text", api_name="/attention")
    assert out["tokens"] == list("Call me Ishmael.") and out["notices"] == []
    _, cfg, _ = checkpoint.pretrained("transformer_text")
    att = _check_causal(out)
    assert att.shape[:2] == (cfg.n_layers, cfg.n_heads)


def test_attention_of_the_reverse_task_shows_the_anti_diagonal(client):
    out = client.predict("27182818>8182817", "reverse", api_name="/attention")
    assert "".join(out["tokens"]) == "27182818>8182817"
    att = _check_causal(out)
    best = att.max(axis=(0, 1))  # strongest weight over all layers and heads, (T, T)
    assert all(best[8 + k, 7 - k] > 0.5 for k in range(8))


def test_text_longer_than_the_context_is_cut_with_a_notice(client):
    _, cfg, _ = checkpoint.pretrained("transformer_text")
    out = client.predict("ahoy " * 200, "text", api_name="/attention")
    assert len(out["tokens"]) == cfg.block_size
    assert any(f"first {cfg.block_size} characters" in n for n in out["notices"])
    _check_causal(out)


@pytest.mark.parametrize("task, unit, context", [("reverse", "31415926>", 17), ("text", "The whale! ", None)])
def test_a_100_kb_string_is_cut_to_the_context_with_a_notice(client, task, unit, context):
    context = context or checkpoint.pretrained("transformer_text")[1].block_size
    out = client.predict(unit * (100_000 // len(unit)), task, api_name="/attention")
    assert "".join(out["tokens"]) == (unit * 20)[:context]
    assert any("first" in n for n in out["notices"])
    _check_causal(out)


@pytest.mark.parametrize("text, dropped", [("whale 🐳 ho", "🐳"), ("bell\x07ring", "\\x07"),
                                           ("海 the sea", "海")])
def test_unknown_characters_are_left_out_with_a_notice(client, text, dropped):
    out = client.predict(text, "text", api_name="/attention")
    assert dropped in " ".join(out["notices"]) and "does not know" in " ".join(out["notices"])
    assert all(len(tok) == 1 for tok in out["tokens"])
    _check_causal(out)


@pytest.mark.parametrize("text, task, message", [
    ("", "text", "The text is empty"),
    ("   \n ", "text", "The text is empty"),
    ("🐳🐳", "text", "None of these characters is known"),
    ("abc", "reverse", "None of these characters is known"),
    ("hello", "german", "Unknown task 'german'"),
    ("x" * 100_000, "text" * 1000, "Unknown task"),
])
def test_attention_answers_bad_input_clearly_and_keeps_serving(new_client, text, task, message):
    with pytest.raises(AppError, match=message):
        new_client.predict(text, task, api_name="/attention")
    assert new_client.predict(api_name="/ping") == "pong"


def test_generate_writes_the_asked_number_of_characters(client):
    out = client.predict("The whale", 60, 0.8, api_name="/transformer_generate")
    assert isinstance(out, str) and len(out) == 60
    greedy = client.predict("The whale", 40, 0, api_name="/transformer_generate")
    assert greedy == client.predict("The whale", 40, 0, api_name="/transformer_generate")
    assert sum(c.isalpha() for c in greedy) > 20  # words, not noise


def test_generate_solves_the_reverse_task_greedily(client):
    out = client.predict("31415926>", 8, 0, "reverse", api_name="/transformer_generate")
    assert out == "62951413"


def test_generate_reads_only_the_end_of_a_huge_prompt(client):
    out = client.predict("Call me Ishmael. " * 6000, 10, 0, api_name="/transformer_generate")
    assert len(out) == 10


@pytest.mark.parametrize("prompt, length, temperature, task, message", [
    ("", 10, 1.0, "text", "The text is empty"),
    ("🐳", 10, 1.0, "text", "None of these characters is known"),
    ("The sea", 0, 1.0, "text", "Length must be a whole number from 1 to 1000"),
    ("The sea", 10_000, 1.0, "text", "Length must be"),
    ("The sea", 2.5, 1.0, "text", "Length must be"),
    ("The sea", "nan", 1.0, "text", "Length must be"),  # JSON has no NaN: sent as text, read as float
    ("The sea", "inf", 1.0, "text", "Length must be"),
    ("The sea", 10, -1, "text", "Temperature must be a number from 0 to 2"),
    ("The sea", 10, 2.01, "text", "Temperature must be a number from 0 to 2"),
    ("The sea", 10, "nan", "text", "Temperature must be"),
    ("The sea", 10, "-inf", "text", "Temperature must be"),
    ("The sea", 10, 1.0, "poetry", "Unknown task 'poetry'"),
])
def test_generate_answers_bad_input_clearly_and_keeps_serving(new_client, prompt, length, temperature, task,
                                                                message):
    with pytest.raises(AppError, match=message):
        new_client.predict(prompt, length, temperature, task, api_name="/transformer_generate")
    assert new_client.predict(api_name="/ping") == "pong"
