package cognito_test

import (
	"os"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
)

func TestMain(m *testing.M) { os.Exit(awstest.Run(m)) }
