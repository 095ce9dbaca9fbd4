from fenji.cli import main

main()
