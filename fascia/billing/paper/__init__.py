"""Paper: the CMS-1500 form, the superbill and the patient statement, as PDFs."""
