## src/rules: the rules engine (pure: profiles and a VM spec in, a verdict out).

