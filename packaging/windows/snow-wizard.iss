; Inno Setup 6 script: snow-wizard-<version>-setup.exe from the PyInstaller bundle.
;
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\snow-wizard /DOutputDir=dist /DRepoDir=. packaging\windows\snow-wizard.iss
;   (packaging/build.py passes these)
;
; Per-user install without administrator rights (PrivilegesRequired=lowest, into
; %LOCALAPPDATA%\Programs\snow-wizard), a Start-menu shortcut to the wizard, the snow-wizard
; command-line tool beside it (optionally added to the user's PATH), an uninstaller, version
; and publisher metadata, the application icon.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef RepoDir
  #define RepoDir "..\.."
#endif
#ifndef SourceDir
  #define SourceDir RepoDir + "\dist\snow-wizard"
#endif
#ifndef OutputDir
  #define OutputDir RepoDir + "\dist"
#endif
#define AppName "Snow Wizard"
#define AppPublisher "snow-wizard developers"
#define AppURL "https://github.com/snow-wizard/snow-wizard"
#define GuiExe "snow-wizard-gui.exe"
#define CliExe "snow-wizard.exe"
#define IconFile RepoDir + "\resources\snow-wizard.ico"

[Setup]
; A fixed AppId: upgrades replace the previous version instead of installing beside it.
AppId={{6B1E2C7A-3F4D-4E8B-9A51-2D7C0F3E9B14}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppURL}
AppSupportURL={#AppURL}/issues
AppUpdatesURL={#AppURL}/releases
AppCopyright=MIT licence, {#AppPublisher}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoProductVersion={#AppVersion}
VersionInfoCompany={#AppPublisher}
VersionInfoDescription={#AppName} installer
DefaultDirName={autopf}\snow-wizard
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=snow-wizard-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#GuiExe}
ChangesEnvironment=yes
CloseApplications=yes
#ifexist IconFile
SetupIconFile={#IconFile}
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the snow-wizard command to my PATH"; GroupDescription: "Command line:"

[Files]
; The whole onedir bundle: both executables share _internal\.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Comment: "Connect an integration to ServiceNow"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Registry]
; Per-user PATH entry for the CLI (HKCU, no admin); removed again by the uninstaller (see [Code]).
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

procedure RemovePath(Dir: string);
var
  Path: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    exit;
  P := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';');
  if P = 0 then
    exit;
  { P is 1-based in ';' + Path + ';': the entry starts at P in Path, preceded by ';' unless first }
  if P > 1 then
    Delete(Path, P - 1, Length(Dir) + 1)
  else
    Delete(Path, 1, Length(Dir) + 1);
  RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemovePath(ExpandConstant('{app}'));
end;
