"""Kiosk capability: ticket layout, ESC/POS rendering, printers and the kiosk print agent."""
