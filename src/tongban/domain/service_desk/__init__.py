"""The centre's service desk: the hard-case window (办不成事) and consultation (咨询)."""
