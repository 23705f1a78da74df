"""Certificate requests, the register (一事一登记) and issuance. Built in the requests issue (#3)."""
