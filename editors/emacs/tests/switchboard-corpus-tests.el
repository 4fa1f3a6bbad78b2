;;; switchboard-corpus-tests.el --- The shared chat corpus  -*- lexical-binding: t; -*-

;;; Commentary:

;; Each chat file of editors/corpus gives the messages and pending
;; input its .json beside it says; every editor client's parser is
;; tested against the same files.

;;; Code:

(require 'ert)
(require 'json)
(require 'switchboard-conversation)

(defconst switchboard-corpus-tests-dir
  (expand-file-name "../../corpus" (file-name-directory (or load-file-name buffer-file-name)))
  "The shared corpus of chat files.")

(defun switchboard-corpus-tests--read (file)
  "The contents of FILE."
  (with-temp-buffer (insert-file-contents file) (buffer-string)))

(defun switchboard-corpus-tests--as-json (value)
  "VALUE (plists and vectors) as `json-read' gives it back: alists and lists."
  (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
    (json-read-from-string (json-encode value))))

(ert-deftest switchboard-corpus-files-parse-as-their-json-says ()
  "Every corpus file's messages and pending input are what its .json says."
  (let ((files (seq-remove (lambda (f) (equal (file-name-nondirectory f) "README.md"))
                           (directory-files switchboard-corpus-tests-dir t "\\.md\\'"))))
    (should (>= (length files) 8))
    (dolist (file files)
      (let* ((dir (directory-file-name switchboard-corpus-tests-dir))
             (expected (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
                         (json-read-from-string
                          (string-replace "{dir}" dir (switchboard-corpus-tests--read
                                                       (concat (file-name-sans-extension file) ".json"))))))
             (text (switchboard-corpus-tests--read file)))
        (should (equal (list (file-name-nondirectory file)
                             (switchboard-corpus-tests--as-json
                              (vconcat (switchboard-conversation-messages text dir))))
                       (list (file-name-nondirectory file) (alist-get 'messages expected))))
        (should (equal (list (file-name-nondirectory file)
                             (and (switchboard-conversation-pending text) t))
                       (list (file-name-nondirectory file) (eq (alist-get 'pending expected) t))))))))

(provide 'switchboard-corpus-tests)
;;; switchboard-corpus-tests.el ends here
