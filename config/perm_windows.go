package config

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows a file mode says nothing about who can read a file: its ACL
// does. A private file has a protected DACL (nothing inherited from its
// folder) that allows the current user alone.

// privateDone says what makePrivate did, for the warning.
const privateDone = "gave it an ACL that lets only you read it"

// currentUser is the SID of the user this process runs as.
func currentUser() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return u.User.Sid, nil
}

// checkPrivate says how the file at path is open to others than the
// current user ("" when it is not): an inherited DACL, or an ACE that
// allows another account (Administrators, SYSTEM, Users, Everyone...).
func checkPrivate(path string) (problem string, err error) {
	me, err := currentUser()
	if err != nil {
		return "", err
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	ctl, _, err := sd.Control()
	if err != nil {
		return "", err
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil { // no DACL: everyone has full access
		return "was readable by every account (no ACL)", nil
	}
	if ctl&windows.SE_DACL_PROTECTED == 0 {
		return "inherited its folder's ACL (other accounts may read it)", nil
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return "", err
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue // a deny entry takes nothing away from privacy
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !sid.Equals(me) {
			return "was readable by another account (" + sid.String() + ")", nil
		}
	}
	return "", nil
}

// makePrivate gives the file at path a protected DACL that allows the
// current user alone (full control), dropping every inherited entry.
func makePrivate(path string) error {
	me, err := currentUser()
	if err != nil {
		return err
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.SET_ACCESS,
		Inheritance:       windows.NO_INHERITANCE,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(me),
		},
	}}, nil)
	if err != nil {
		return err
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return errors.New("setting its ACL: " + err.Error())
	}
	return nil
}

func privateFix(path string) string {
	return `run: icacls "` + path + `" /inheritance:r /grant:r "%USERNAME%":F`
}
