package main

import "example.com/badmod/cmd/badtool/cli"

func main() { cli.Run() }
