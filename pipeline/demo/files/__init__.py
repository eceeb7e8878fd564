"""The files the demo writes from its world: the platform's send logs, Brevo's and SendGrid's
event files, each mail's words and PDF attachments, written in bounded memory."""
