Attribute VB_Name = "RibbonThiDua"
' Ribbon callbacks of the "Thi dua" add-in (thidua.xlam).
'
' Source text of the add-in: "thidua addin build" compiles this file, with
' ThisWorkbook.cls, Sheet1.cls and xlwings' own VBA module (from the installed
' xlwings package, PROJECT_NAME set to "thidua"), into the add-in's VBA project.
' Strings may hold Vietnamese: the build writes each accented letter as ChrW(n)
' (the project's code page is Windows-1252). Comments stay ASCII.
'
' Every button of ribbon.xml has onAction="RibbonThiDua.BamNut": the button's
' own id says what to run, so the add-in works whatever its file is called.
Option Explicit

' The one ribbon callback: runs the button's handler on the open workbook.
Public Sub BamNut(control As IRibbonControl)
    ChayNut control.ID
End Sub

' Runs thidua.addin.run_button("<id>") in Python through xlwings' RunPython;
' the Python side answers with its own message boxes.
Public Sub ChayNut(ByVal buttonId As String)
    Dim msg As String
    If Not IsButtonId(buttonId) Then
        BaoLoi "Nút không hợp lệ: " & buttonId
        Exit Sub
    End If
    If ActiveWorkbook Is Nothing Then
        msg = "Chưa có sổ nào đang mở để làm việc." & vbCrLf & vbCrLf
        msg = msg & "Hãy mở sổ tổng hợp (hoặc tệp kế hoạch) rồi bấm lại nút. "
        msg = msg & "Nếu sổ đang ở Chế độ xem được bảo vệ, bấm «Bật chỉnh sửa» trước."
        BaoLoi msg
        Exit Sub
    End If
    If Not FileExists(GetConfigFilePath()) Then
        msg = "Add-in Thi đua chưa được cài đặt xong trên máy này: thiếu tệp cấu hình "
        msg = msg & GetConfigFilePath() & "." & vbCrLf & vbCrLf
        msg = msg & "Nhờ cán bộ công nghệ thông tin chạy lại tệp cai-dat.bat "
        msg = msg & "(hướng dẫn trong tệp HUONG-DAN.txt của bộ cài)."
        BaoLoi msg
        Exit Sub
    End If
    RunPython "import thidua.addin; thidua.addin.run_button('" & buttonId & "')"
End Sub

' True for a button id: lowercase letters, digits and underscores only.
Private Function IsButtonId(ByVal s As String) As Boolean
    Dim i As Long, c As String
    If Len(s) = 0 Or Len(s) > 40 Then Exit Function
    For i = 1 To Len(s)
        c = Mid$(s, i, 1)
        If Not (c Like "[a-z0-9_]") Then Exit Function
    Next i
    IsButtonId = True
End Function

' A message box that shows Vietnamese on any Windows locale (MsgBox would not).
Private Sub BaoLoi(ByVal text As String)
    CreateObject("WScript.Shell").Popup text, 0, "Thi đua", 48
End Sub
