package zoomapi

import "fmt"

func sprint(v any) string     { return fmt.Sprint(v) + fmt.Sprintf("%v %s %#v", v, v, v) }
func sprintPlus(v any) string { return fmt.Sprintf("%+v", v) }
