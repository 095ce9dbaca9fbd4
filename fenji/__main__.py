from fenji.cli import main

if __name__ == "__main__":  # (a spawned reader process imports this module again: it must not rerun the CLI)
    main()
