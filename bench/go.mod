module github.com/fileemu/fileemu/bench

go 1.26.0

require github.com/labstack/echo/v5 v5.3.1
