"""The abstrax search engine: specs, typed probabilistic grammars, enumerators, verification."""
