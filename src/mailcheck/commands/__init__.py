"""What the commands beyond `check` do, one module each: `domain` and `spf` (DNS rules without a
sheet), `recheck`, `history` and `deadlines` (over the state store). `check` and `message` are
the runner's own (`mailcheck.engine.runner`); `hygiene` lives with the delivery reports it reads."""
