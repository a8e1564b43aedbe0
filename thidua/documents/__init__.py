"""Award documents an office can sign: Tờ trình, Quyết định, Báo cáo, danh sách cá nhân.

    from thidua.documents import render_documents
    render_documents(result, "van-ban/")          # .docx (and PDF with LibreOffice)

Fields come from the scoring result (``context.build_context``) and from the
plan's ``settings.van_ban`` or a config file (``settings``); wording lives in
the Word templates in ``thidua/documents/templates/`` (its ``build.py`` rebuilds them).
"""
from thidua.documents.render import TEMPLATES, Rendered, render_documents, writer_available
from thidua.documents.words import money_in_words, number_to_words

__all__ = ["TEMPLATES", "Rendered", "money_in_words", "number_to_words", "render_documents",
           "writer_available"]
