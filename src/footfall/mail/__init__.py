"""Email: SMTP settings, messages from templates, the outbox worker, reports and alerts
(docs/email.md). Nothing here sends from a request: requests queue, the worker sends."""
