from massinvoice.cli import main

main()
