"""企业投稿 (CAQ): members submit an article as a Word document; staff publish it in the
association's public 会员动态 list or turn it down with a reason (docs/submissions.md).

`documents.py` checks a document by its content and reads a .docx's text; `state.py` is the
status table; `services.py` and `selectors.py` the writes and reads."""
