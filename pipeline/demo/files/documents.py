"""What the platform knows about the thread being written: the session's or opportunity's
description for the mail text, its name and invoice numbers, and its PDF attachments.

PDFs are made on first use and kept for the thread only (per session, kind and company; the
programme once per course for the whole run). Decides nothing about who gets which mail.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.demo.files.content import About, french_span
from pipeline.demo.files.pdfs import Attachment, AttachmentWriter
from pipeline.demo.world import catalog
from pipeline.demo.world.people import slug
from pipeline.demo.world.planning import Planned
from pipeline.demo.world.threads import Session
from pipeline.demo.world.world import OPPORTUNITY_BASE, World


class Documents:
    def __init__(self, world: World, attachments_dir: Path) -> None:
        self.w = world
        self.writer = AttachmentWriter(attachments_dir)
        self.rep_email = catalog.SENDER_TRAINING
        self._thread: dict[tuple[str, int], Attachment] = {}
        self._name: tuple[int, str] = (-1, "")

    def about(self, key: int) -> About:
        if key >= OPPORTUNITY_BASE:
            o = self.w.opportunities[key - OPPORTUNITY_BASE]
            course = catalog.COURSES[o.course]
            first, last = catalog.SALES_REPS[o.rep]
            self.rep_email = f"{slug(first)}.{slug(last)}@{catalog.ORG_DOMAIN}"
            return About(
                o.opportunity_id,
                course.title,
                course.code,
                sender_name=f"{first} {last}, conseillère formation"
                if o.rep % 2 == 0
                else f"{first} {last}, conseiller formation",
            )
        s = self.w.sessions[key]
        course = catalog.COURSES[s.course]
        place, address = catalog.PLACES[s.place]
        return About(
            s.session_id,
            course.title,
            course.code,
            place,
            address,
            self.w.wd.day(s.start),
            self.w.wd.day(s.end),
            place == catalog.VIRTUAL,
        )

    def session_name(self, key: int) -> str:
        if self._name[0] != key:
            self._name = (key, self._session_name(key))
        return self._name[1]

    def _session_name(self, key: int) -> str:
        s = self.w.sessions[key]
        place = catalog.PLACES[s.place][0]
        start = self.w.wd.day(s.start).strftime("%d/%m/%Y")
        mode = "Intra" if s.cohort or (len(s.companies) == 1 and len(s.sizes) == 1) else "Inter"
        return f"{catalog.COURSES[s.course].title} – {mode} – {place} – {start}"

    def invoice_number(self, key: int, company: int) -> str:
        if key >= OPPORTUNITY_BASE or company < 0:
            return ""
        s = self.w.sessions[key]
        return f"FA-{s.session_id[4:]}-{s.companies.index(company) + 1}"

    def forget_thread(self) -> None:
        self._thread.clear()

    def attachment(self, key: int, kind: str, p: Planned) -> Attachment:
        if kind == "programme":
            course = (
                self.w.opportunities[key - OPPORTUNITY_BASE].course
                if key >= OPPORTUNITY_BASE
                else self.w.sessions[key].course
            )
            return self.writer.programme(catalog.COURSES[course], self.w.period.first_day)
        per_company = kind in ("convention", "facture")
        cache_key = (kind, p.company if per_company else -1)
        if cache_key not in self._thread:
            self._thread[cache_key] = self._session_document(
                self.w.sessions[key], kind, p.company if per_company else -1
            )
        return self._thread[cache_key]

    def _session_document(self, s: Session, kind: str, company: int) -> Attachment:
        course = catalog.COURSES[s.course]
        place, address = catalog.PLACES[s.place]
        start, end = self.w.wd.day(s.start), self.w.wd.day(s.end)
        span = french_span(start, end)
        client = self.w.people.companies[company].name if company >= 0 else ""
        hours = course.days * 7
        lines = [
            f"Formation : {course.title}",
            f"Session : {s.session_id} – {span}",
            f"Lieu : {place}, {address}" if place != catalog.VIRTUAL else f"Lieu : {address}",
            f"Durée : {hours} heures",
        ]
        issued = start
        number = ""
        if kind == "convocation":
            lines += [
                "Horaires : 9h00 – 12h30 / 13h30 – 17h00. Accueil à 8h45.",
                "Merci de vous munir d'une pièce d'identité et de ce document.",
            ]
        elif kind == "convention":
            n = sum(s.sizes[:1]) if s.cohort else s.sizes[s.companies.index(company)]
            number = f"{s.session_id}-{s.companies.index(company) + 1}"
            lines += [
                f"Entre {catalog.ORG_NAME} et {client}.",
                f"Nombre de stagiaires : {n}. Coût : {n * course.price} € HT.",
                "Articles L6353-1 et suivants du Code du travail.",
                "Signature du client précédée de la mention « Bon pour accord ».",
            ]
        elif kind == "facture":
            n = sum(s.sizes[:1]) if s.cohort else s.sizes[s.companies.index(company)]
            number = self.invoice_number(s.idx, company)
            total = n * course.price
            issued = end
            lines += [
                f"Facture n° {number} – client : {client}",
                f"{n} {'stagiaire' if n < 2 else 'stagiaires'} x {course.price} € HT "
                f"= {total} € HT",
                f"TVA 20 % : {total * 0.2:.2f} € – Total TTC : {total * 1.2:.2f} €",
                "Règlement à 30 jours par virement. IBAN FR76 3000 4012 3400 0101 2345 678.",
            ]
        elif kind == "attestation":
            issued = end
            lines += [
                "Nous attestons que le/la stagiaire a suivi l'intégralité de la formation.",
                "Objectifs atteints : voir l'évaluation des acquis.",
            ]
        else:  # certificat
            issued = end
            lines += [
                "Nature de l'action : action de formation (article L6313-1).",
                f"Assiduité : {hours} heures réalisées sur {hours} heures prévues.",
            ]
        return self.writer.session_document(kind, s.session_id, lines, issued, number)
