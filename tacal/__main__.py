from tacal.cli import main

main()
