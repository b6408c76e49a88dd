"""The from-scratch numpy FRNN engine: forward pass, BPTT, optimisers, gradient check."""
