#!/usr/bin/env python
from fascia.cli import main

if __name__ == "__main__":
    main()
