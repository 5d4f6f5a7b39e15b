"""The case work, without Flask's request objects: what pages, the API and the commands all call.

Uploads and re-applications (`cases`), who sees what (`access`, `listing`), the procedure and its
steps (`procedure`, `recusal`, `findings`, `corrections`), experts' review sheets (`review_sheets`),
documents and their numbers (`documents`, `issuing`, `numbering`, `office_templates`, `offices`),
accounts (`users`), history exports (`history`), evidence pages (`evidence`), extraction jobs
(`extraction`, run by the queue), uploaded files' checks (`uploads`) and the date (`clock`).
"""
