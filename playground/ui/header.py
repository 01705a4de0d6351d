"""The page header: title, tagline and the English / 中文 switch.

The switch calls the ``changeLocale`` of Gradio's own front-end module, so every ``gr.I18n`` string
on the page changes at once, and sets the ``np_lang`` cookie so that messages made on the server
(``i18n.msg``) follow. The choice is remembered in localStorage; ``?lang=zh`` in the URL also works.
Without a choice, the page follows the browser's language.
"""

import gradio as gr

from playground.ui.i18n import t

_SET_LANG = """
const npSetLang = async (lang) => {
  const url = performance.getEntriesByType('resource').map(e => e.name)
      .find(n => /\\/assets\\/core-[^/]*\\.js$/.test(n));
  if (url) { (await import(url)).changeLocale(lang); }
  try { localStorage.setItem('np_lang', lang); } catch (e) {}
  document.cookie = 'np_lang=' + lang + '; path=/; max-age=31536000; SameSite=Lax';
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  return lang;
};
"""

LOAD_JS = "async () => {" + _SET_LANG + """
  const asked = new URLSearchParams(location.search).get('lang');
  let saved = null;
  try { saved = localStorage.getItem('np_lang'); } catch (e) {}
  const lang = ['en', 'zh'].includes(asked) ? asked : saved;
  if (lang) return await npSetLang(lang);
  const browser = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  document.cookie = 'np_lang=; path=/; max-age=0';
  return browser;
}"""


def switch_js(lang: str) -> str:
    return "async () => {" + _SET_LANG + f"return await npSetLang('{lang}'); }}"


def build(demo: gr.Blocks) -> None:
    with gr.Row(equal_height=True):
        with gr.Column(scale=8):
            gr.Markdown(t("app.title"))
            gr.Markdown(t("app.tagline"))
        with gr.Column(scale=2, min_width=180):
            with gr.Row():
                en = gr.Button("English", size="sm", variant="secondary", min_width=70, elem_id="lang-en")
                zh = gr.Button("中文", size="sm", variant="secondary", min_width=70, elem_id="lang-zh")
    en.click(None, js=switch_js("en"))
    zh.click(None, js=switch_js("zh"))
    demo.load(None, js=LOAD_JS)
