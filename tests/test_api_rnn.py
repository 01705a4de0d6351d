"""/rnn_generate and /rnn_states through gradio_client: the happy path and the bad-input list."""

import math

import pytest
from gradio_client.exceptions import AppError

from playground import checkpoint
from playground.data import text

pytestmark = pytest.mark.skipif(not (checkpoint.PRETRAINED / "charlm_lstm").is_dir(),
                                reason="pretrained char models not built yet")
VOCAB = set(text.vocab())


def generate(client, arch="lstm", prompt="Call me Ishmael.", length=40, temperature=0.8):
    return client.predict(arch, prompt, length, temperature, api_name="/rnn_generate")


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru"])
def test_each_cell_continues_a_prompt_with_characters_of_the_corpus(client, arch):
    out = generate(client, arch, length=60)
    assert isinstance(out, str) and len(out) == 60 and set(out) <= VOCAB


def test_a_cold_lstm_continues_a_famous_opening_with_english_looking_text(client):
    out = generate(client, "lstm", "The whale", 200, 0.3)
    words = out.split()
    assert len(words) >= 15  # spaces between words, not one long run of letters
    assert sum(w.strip('.,;!?"\'-').lower() in {"the", "and", "of", "a", "to", "in", "that", "his", "he", "was",
                                                  "it", "with", "as", "is", "all", "for", "but", "this", "at", "so",
                                                  "which", "i", "not", "from", "him", "by", "be", "on", "whale"}
               for w in words) >= 3


def test_an_empty_prompt_starts_from_a_new_paragraph(client):
    assert len(generate(client, prompt="", length=30)) == 30


def test_unknown_characters_are_dropped_not_fatal(client):
    out = generate(client, prompt="🐋 鲸鱼 whale\x00", length=20)
    assert len(out) == 20 and set(out) <= VOCAB
    assert len(generate(client, prompt="🐋🐋🐋", length=10)) == 10  # nothing known at all: start symbol


def test_a_100_kb_prompt_is_cut_to_its_end_and_answered(client):
    assert len(generate(client, prompt="Ahab " * 20_000, length=10)) == 10


@pytest.mark.parametrize("length", [0, -5, 2001, 10**9, 2.5, "nan", "ten"])
def test_out_of_range_length_is_refused_with_a_message(client, length):
    with pytest.raises(AppError, match="Length must be a whole number from 1 to 2000"):
        generate(client, length=length)


@pytest.mark.parametrize("temperature", [0, -1, 3.5, 1e9, "nan", "inf", None])
def test_out_of_range_or_nan_temperature_is_refused_with_a_message(client, temperature):
    with pytest.raises(AppError, match="Temperature must be a number from 0.05 to 3.0"):
        generate(client, temperature=temperature)


@pytest.mark.parametrize("arch", ["transformer", "", "LSTM "])
def test_unknown_arch_is_refused_with_the_valid_names(client, arch):
    with pytest.raises(AppError, match="rnn, lstm or gru"):
        generate(client, arch=arch)
    with pytest.raises(AppError, match="rnn, lstm or gru"):
        client.predict(arch, "abc", api_name="/rnn_states")


def test_lstm_states_have_hidden_cell_and_four_gates_per_character(client):
    st = client.predict("lstm", "the whale", api_name="/rnn_states")
    H = checkpoint.pretrained("charlm_lstm")[1].hidden
    assert st["chars"] == list("the whale")
    assert len(st["hidden"]) == 9 and all(len(row) == H for row in st["hidden"])
    assert set(st["gates"]) == {"i", "f", "g", "o"} and len(st["cell"]) == 9
    f = st["gates"]["f"]
    assert all(0.0 <= v <= 1.0 for row in f for v in row)
    # h = o ⊙ tanh(c), to the 5 decimals the endpoint rounds to
    o, c, h = st["gates"]["o"][4], st["cell"][4], st["hidden"][4]
    assert max(abs(o[k] * math.tanh(c[k]) - h[k]) for k in range(H)) < 1e-4


def test_gru_states_have_reset_update_and_candidate_and_no_cell(client):
    st = client.predict("gru", "sea", api_name="/rnn_states")
    assert set(st["gates"]) == {"r", "z", "n"} and "cell" not in st and len(st["hidden"]) == 3


def test_rnn_states_have_no_gates_and_empty_text_reads_the_start_symbol(client):
    st = client.predict("rnn", "", api_name="/rnn_states")
    assert st["chars"] == ["\n"] and "gates" not in st and len(st["hidden"]) == 1
    assert st["notices"]  # says that it started from a new paragraph


def test_states_report_dropped_characters(client):
    st = client.predict("lstm", "a🐋b", api_name="/rnn_states")
    assert st["chars"] == ["a", "b"] and any("🐋" in n for n in st["notices"])


def test_the_app_keeps_serving_after_bad_input(client):
    for bad in ("nan", -1):
        with pytest.raises(AppError):
            generate(client, temperature=bad)
    assert client.predict(api_name="/ping") == "pong"
    assert len(generate(client, length=5)) == 5


def _raw_call(app_url, api_name, body: str) -> str:
    """POST a hand-written JSON body (gradio_client refuses to send NaN) and read the event stream."""
    import httpx

    base = app_url.rstrip("/") + "/gradio_api/call/" + api_name
    r = httpx.post(base, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    if r.status_code != 200:
        return f"HTTP {r.status_code}: {r.text}"
    event = r.json()["event_id"]
    return httpx.get(f"{base}/{event}", timeout=60).text


@pytest.mark.parametrize("body,field", [('["lstm", "The sea", 10, NaN]', "Temperature"),
                                        ('["lstm", "The sea", NaN, 1.0]', "Length"),
                                        ('["lstm", "The sea", 10, Infinity]', "Temperature")])
def test_a_raw_nan_or_infinity_in_the_request_is_refused_not_used(app_url, client, body, field):
    answer = _raw_call(app_url, "rnn_generate", '{"data": ' + body + "}")
    assert "event: complete" not in answer
    assert "error" in answer.lower() or answer.startswith("HTTP 4")
    assert field in answer or answer.startswith("HTTP 4")
    assert client.predict(api_name="/ping") == "pong"
