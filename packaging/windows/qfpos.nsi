; qfpos installer (NSIS, built by `make windows-installer` with Debian's makensis).
; makensis -DVERSION=x.y.z -DSRC=bin/windows -DOUT=dist/qfpos-x.y.z-setup.exe packaging/windows/qfpos.nsi
Target amd64-unicode   ; a 64-bit installer for a 64-bit program (and Wine's wine64 can run it)
!include "MUI2.nsh"

Name "qfpos ${VERSION}"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\qfpos"
InstallDirRegKey HKLM "Software\qfpos" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "qfpos"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "qfpos installer"
VIAddVersionKey "LegalCopyright" "qfpos authors"

!define MUI_FINISHPAGE_RUN "$INSTDIR\qfpos.exe"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetRegView 64
FunctionEnd

Section "qfpos (required)" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${SRC}\qfpos.exe"
  File "${SRC}\qfpos-cli.exe"
  File "${SRC}\README.txt"
  WriteRegStr HKLM "Software\qfpos" "InstallDir" "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  SetShellVarContext all   ; installed for every user: so is its shortcut
  CreateShortcut "$SMPROGRAMS\qfpos.lnk" "$INSTDIR\qfpos.exe"
  SetShellVarContext current
  !define ARP "Software\Microsoft\Windows\CurrentVersion\Uninstall\qfpos"
  WriteRegStr HKLM "${ARP}" "DisplayName" "qfpos"
  WriteRegStr HKLM "${ARP}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${ARP}" "Publisher" "qfpos"
  WriteRegStr HKLM "${ARP}" "DisplayIcon" "$INSTDIR\qfpos.exe"
  WriteRegStr HKLM "${ARP}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${ARP}" "NoModify" 1
  WriteRegDWORD HKLM "${ARP}" "NoRepair" 1
SectionEnd

Section /o "Start in kiosk mode at logon (all users)" SecKiosk
  SetShellVarContext all
  CreateShortcut "$SMSTARTUP\qfpos kiosk.lnk" "$INSTDIR\qfpos.exe" "--kiosk"
  SetShellVarContext current
SectionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  Delete "$INSTDIR\qfpos.exe"
  Delete "$INSTDIR\qfpos-cli.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  SetShellVarContext all
  Delete "$SMPROGRAMS\qfpos.lnk"
  Delete "$SMSTARTUP\qfpos kiosk.lnk"
  DeleteRegKey HKLM "Software\Microsoft\Windows\CurrentVersion\Uninstall\qfpos"
  DeleteRegKey HKLM "Software\qfpos"
  ; The settings (%AppData%\qfpos) and the order file (%LocalAppData%\qfpos) stay:
  ; the orders are the shop's records.
SectionEnd
