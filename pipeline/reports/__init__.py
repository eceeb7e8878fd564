"""What leaves the store as a document: deliverability figures and warnings, exports, the
session proof of sending."""
