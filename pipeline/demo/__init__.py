"""Realistic demo inputs for Mailtrail: a French training organisation's send logs, Brevo and
SendGrid exports and PDF attachments, with stories a manager should find. Writes files only."""

from pipeline.demo.generator import DemoResult, generate_demo

__all__ = ["DemoResult", "generate_demo"]
