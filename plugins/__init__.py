"""Built-in variant plugins: one package per lab variant."""
