"""Legal electronic invoice formats (Factur-X / CII, Ecuador's SRI)."""
