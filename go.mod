module github.com/chopin-go/chopin

go 1.26
