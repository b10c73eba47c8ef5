"""The audit log of access-relevant actions. Other domains emit signals; this module records them."""
