;;; switchboard-tools.el --- The editor's own tools in agent runs  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Tools the model may use in a chat run through `agent.run', run
;; here when the daemon sends `tool.execute': read a buffer or a file
;; of the project, list the project's files, search the project,
;; propose an edit (shown as the rewrite diff; the user's decision is
;; the answer).  Their names, parameters and path policy are those of
;; the Neovim plugin's.
;;
;; The model is an untrusted party (a file it read can have
;; prompt-injected it): every path it names is resolved inside the
;; project root (the git root of the chat's directory, else that
;; directory) and refused outside it, links included; listings and
;; searches are bounded.

;;; Code:

(require 'cl-lib)
(require 'seq)
(require 'subr-x)
(require 'switchboard-rewrite)

(defconst switchboard-tools-max-read-bytes (* 200 1024)
  "The most of a file `read_file' gives.")

(defvar switchboard-tools-max-files 500
  "The most files `list_files' lists.")

(defconst switchboard-tools-max-matches 200
  "The most lines `search' gives.")

(defconst switchboard-tools-skipped '(".git" "node_modules" ".build")
  "Folders a listing or a search does not enter.")

(defconst switchboard-tools-names '("read_file" "list_files" "search" "propose_edit")
  "The editor's tools, in the order they are offered.")

(defun switchboard-tools-root (&optional directory)
  "The project root of DIRECTORY (default: `default-directory').
The git root, else DIRECTORY itself; links resolved, without a final slash."
  (let* ((directory (file-truename (or directory default-directory)))
         (git (locate-dominating-file directory ".git")))
    (directory-file-name (file-truename (or git directory)))))

(defun switchboard-tools--inside-p (root path)
  "Non-nil when PATH is ROOT or under it."
  (or (equal path root) (string-prefix-p (file-name-as-directory root) path)))

(defun switchboard-tools-resolve (path root)
  "PATH (relative to ROOT, or absolute), links resolved, when inside ROOT.
Else signal a `user-error' saying why."
  (unless (and (stringp path) (not (string-empty-p path)))
    (user-error "no path given"))
  (let* ((full (directory-file-name (expand-file-name path root)))
         (real (directory-file-name (file-truename full))))
    (unless (and (switchboard-tools--inside-p root full) (switchboard-tools--inside-p root real))
      (user-error "%s is outside the project (%s)" path root))
    real))

(defun switchboard-tools--relative (root path)
  "PATH relative to ROOT (\".\" for ROOT itself)."
  (if (equal path root) "." (substring path (1+ (length root)))))

(defun switchboard-tools--binary-p (path)
  "Non-nil when the file PATH exists and its start holds a NUL byte."
  (and (file-regular-p path)
       (with-temp-buffer
         (set-buffer-multibyte nil)
         (insert-file-contents-literally path nil 0 8000)
         (search-forward "\0" nil t))))

(defun switchboard-tools--read-file (arguments root)
  "The text of the file ARGUMENTS name in ROOT: its buffer's when one visits it."
  (let* ((name (plist-get arguments :path))
         (path (switchboard-tools-resolve name root))
         (buffer (find-buffer-visiting path))
         (text (cond (buffer (with-current-buffer buffer
                               (buffer-substring-no-properties (point-min) (point-max))))
                     ((or (not (file-regular-p path)) (not (file-readable-p path)))
                      (user-error "no file %s (list_files lists them)" name))
                     (t (with-temp-buffer
                          (set-buffer-multibyte nil)
                          (insert-file-contents-literally path nil 0 (1+ switchboard-tools-max-read-bytes))
                          (when (search-forward "\0" nil t)
                            (user-error "%s is a binary file" name))
                          (decode-coding-region (point-min) (point-max) 'utf-8)
                          (set-buffer-multibyte t)
                          (buffer-string))))))
    (when (string-search "\0" text)
      (user-error "%s is a binary file" name))
    (if (> (string-bytes text) switchboard-tools-max-read-bytes)
        (format "%s\n[cut at %d bytes]" (substring text 0 (min (length text) switchboard-tools-max-read-bytes))
                switchboard-tools-max-read-bytes)
      text)))

(defun switchboard-tools--files-under (root directory)
  "The files under DIRECTORY (absolute), relative to ROOT, sorted.
Folders in `switchboard-tools-skipped' are not entered."
  (sort (mapcar (lambda (file) (switchboard-tools--relative root file))
                (directory-files-recursively
                 directory "" nil
                 (lambda (folder) (not (member (file-name-nondirectory folder) switchboard-tools-skipped)))))
        #'string<))

(defun switchboard-tools--list-files (arguments root)
  "The files of the folder ARGUMENTS name in ROOT, one a line, bounded."
  (let* ((name (or (plist-get arguments :path) "."))
         (directory (switchboard-tools-resolve name root)))
    (unless (file-directory-p directory)
      (user-error "no folder %s" name))
    (let ((files (switchboard-tools--files-under root directory)))
      (concat (string-join (seq-take files switchboard-tools-max-files) "\n")
              (if (> (length files) switchboard-tools-max-files)
                  (format "\n[more files: only the first %d are listed]" switchboard-tools-max-files)
                "")))))

(defun switchboard-tools--grep (query root)
  "\"path:line:text\" lines of the files under ROOT holding QUERY (fixed text)."
  (with-temp-buffer
    (let ((default-directory (file-name-as-directory root)))
      (apply #'call-process "grep" nil t nil "-rnIF" "-m" "20"
             (append (mapcar (lambda (folder) (concat "--exclude-dir=" folder)) switchboard-tools-skipped)
                     (list "--" query "."))))
    (mapcar (lambda (line) (truncate-string-to-width (string-remove-prefix "./" line) 300))
            (split-string (buffer-string) "\n" t))))

(defun switchboard-tools--search (arguments root)
  "The lines of the project at ROOT holding the text ARGUMENTS give, bounded."
  (let ((query (plist-get arguments :query)))
    (unless (and (stringp query) (not (string-empty-p query)))
      (user-error "no query given"))
    (let ((found (sort (switchboard-tools--grep query root) #'string<)))
      (cond ((null found) (format "no match for %s" query))
            (t (concat (string-join (seq-take found switchboard-tools-max-matches) "\n")
                       (if (> (length found) switchboard-tools-max-matches)
                           "\n[more matches: narrow the query]" "")))))))

(defun switchboard-tools--line-region (first last)
  "The region of lines FIRST..LAST (1-based) here, newlines included.
LAST = FIRST - 1 is the empty region where line FIRST starts."
  (let ((count (count-lines (point-min) (point-max))))
    (when (and (> (point-max) (point-min)) (not (eq (char-before (point-max)) ?\n)))
      (setq count (max count 1)))
    (unless (and (>= first 1) (>= last (1- first)) (<= last count))
      (user-error "lines %d..%d are not in the file (%d lines)" first last count))
    (save-excursion
      (goto-char (point-min))
      (forward-line (1- first))
      (let ((start (point)))
        (forward-line (1+ (- last first)))
        (cons start (point))))))

(defun switchboard-tools--propose-edit (arguments root reply)
  "Show the edit ARGUMENTS describe as a rewrite in ROOT.
REPLY is called with the user's decision.  Return the function that
withdraws it."
  (let* ((name (plist-get arguments :path))
         (path (switchboard-tools-resolve name root))
         (first (plist-get arguments :start_line))
         (last (plist-get arguments :end_line))
         (replacement (plist-get arguments :replacement)))
    (unless (and (stringp replacement) (integerp first) (integerp last))
      (user-error "propose_edit needs path, start_line, end_line and replacement"))
    (when (file-directory-p path)
      (user-error "%s is a folder" name))
    (when (and (not (find-buffer-visiting path)) (switchboard-tools--binary-p path))
      (user-error "%s is a binary file" name))
    (let ((buffer (or (find-buffer-visiting path) (find-file-noselect path))))
      (with-current-buffer buffer
        (let* ((region (switchboard-tools--line-region first last))
               (original (buffer-substring-no-properties (car region) (cdr region)))
               (text (string-remove-suffix "\n" replacement))
               (proposal (if (or (string-suffix-p "\n" original) (= (car region) (cdr region)))
                             (concat text "\n")
                           text)))
          (pop-to-buffer buffer)
          (goto-char (car region))
          (switchboard-rewrite-propose
           (car region) (cdr region) proposal
           (lambda (accepted)
             (funcall reply (if accepted
                                (format "accepted: the user applied the edit to %s (not saved yet)" name)
                              "rejected: the user did not apply the edit")))))))))

(defun switchboard-tools--schema (properties required)
  "A closed object schema of PROPERTIES (a plist) with REQUIRED names."
  (list :type "object" :properties properties :required (vconcat required)
        :additionalProperties :json-false))

(defun switchboard-tools--string (description)
  "A string parameter described by DESCRIPTION."
  (list :type "string" :description description))

(defconst switchboard-tools--table
  `(("read_file"
     "Read a text file of the project (its open buffer, unsaved changes included, when the editor has it open). Paths are relative to the project root."
     ,(switchboard-tools--schema (list :path (switchboard-tools--string "The file, relative to the project root")) '("path"))
     switchboard-tools--read-file)
    ("list_files"
     ,(format "List the files of the project (at most %d), or of one of its folders, as paths relative to the project root." switchboard-tools-max-files)
     ,(switchboard-tools--schema
       (list :path (switchboard-tools--string "The folder to list, relative to the project root; \".\" for the whole project"))
       '("path"))
     switchboard-tools--list-files)
    ("search"
     ,(format "Search the files of the project for a text (not a pattern); gives up to %d \"path:line:text\" lines." switchboard-tools-max-matches)
     ,(switchboard-tools--schema (list :query (switchboard-tools--string "The text to look for")) '("query"))
     switchboard-tools--search)
    ("propose_edit"
     "Propose replacing lines start_line..end_line (1-based, inclusive) of a project file with new text. The user sees the change as a diff and accepts or rejects it; the answer says which. end_line = start_line - 1 inserts before start_line."
     ,(switchboard-tools--schema
       (list :path (switchboard-tools--string "The file, relative to the project root")
             :start_line '(:type "integer" :description "First line replaced (1-based)")
             :end_line '(:type "integer" :description "Last line replaced (inclusive)")
             :replacement (switchboard-tools--string "The new text of those lines"))
       '("path" "start_line" "end_line" "replacement"))
     switchboard-tools--propose-edit
     later))
  "Each tool: (NAME DESCRIPTION PARAMETERS FUNCTION [later]).
FUNCTION takes the arguments and the project root and returns the
answer's text; with `later', it takes a third argument, REPLY, calls it
when the answer is known and returns the function that withdraws the
work.")

(defun switchboard-tools-definitions (&optional names)
  "The function tools offered to the model, in order.
Those in NAMES, default all."
  (vconcat
   (delq nil (mapcar (lambda (name)
                       (when-let ((tool (assoc name switchboard-tools--table)))
                         (list :type "function"
                               :function (list :name name :description (nth 1 tool) :parameters (nth 2 tool)))))
                     (or names switchboard-tools-names)))))

(defun switchboard-tools-run (name arguments root done)
  "Run tool NAME with ARGUMENTS (a plist) in the project at ROOT.
DONE is called once with the answer's text and whether it is an error,
now or later.  Return the function that stops the work, or nil."
  (let* ((tool (assoc name switchboard-tools--table))
         (answered nil)
         (reply (lambda (text &optional is-error)
                  (unless answered
                    (setq answered t)
                    (funcall done text is-error)))))
    (condition-case err
        (cond ((null tool) (funcall reply (format "no tool %s in this editor" name) t) nil)
              ((nth 4 tool) (funcall (nth 3 tool) arguments root reply))
              (t (funcall reply (funcall (nth 3 tool) arguments root)) nil))
      (user-error (funcall reply (error-message-string err) t) nil)
      (error (funcall reply (format "%s failed: %s" name (error-message-string err)) t) nil))))

(provide 'switchboard-tools)
;;; switchboard-tools.el ends here
