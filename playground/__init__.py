"""Neural Playground: see and train the classic neural networks.

Importing the package loads nothing heavy: data, weights and Gradio are loaded on first use.
"""

__version__ = "0.1.0"
