"""The e-licence library (电子证照): issue, access, PDF, verification and keys."""
