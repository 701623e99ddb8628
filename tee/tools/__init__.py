"""Developer tools: TA build, signing, header generation, command line."""
