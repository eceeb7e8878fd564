"""Every mail, newest first, with its status (interim page until Explore replaces it)."""

from pipeline.queries.mail_filter import MailFilter
from ui.mail_list import mail_list
from ui.shell import page

view = page("nav.mails")
mail_list(view, MailFilter(), key="mails", show_session=True)
