"""The abstrax intuition: a Flax policy that maps a spec's examples to search-grammar weights.

Not built yet; see DESIGN.md. Nothing in ``dsl`` or ``synth`` imports this package.
"""
