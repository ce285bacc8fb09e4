package orders_test

import "github.com/riverqueue/river/rivertype"

var riverJobRow = rivertype.JobRow{ID: 0}
