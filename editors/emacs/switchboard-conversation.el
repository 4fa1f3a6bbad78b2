;;; switchboard-conversation.el --- Conversations written as Markdown  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; The Markdown form of a conversation that every Switchboard editor
;; client shares (see editors/README.md): blocks under the headings
;; "## System", "## You" and "## Assistant"; headings inside fenced
;; code are text; a "## You" line ![...](path or URL) attaches an
;; image.  Pure functions over strings, so that a chat buffer and a
;; saved .md file read alike.

;;; Code:

(require 'seq)
(require 'subr-x)

(defconst switchboard-conversation-headings
  '(("## System" . "system") ("## You" . "user") ("## Assistant" . "assistant"))
  "The headings of a conversation and the roles they start.")

(defconst switchboard-conversation-cancelled "[cancelled]"
  "The note that ends a cancelled answer.")

(defconst switchboard-conversation-cut-off "[cut off]"
  "The note that ends an answer cut by the token limit.")

(defun switchboard-conversation--trim (lines)
  "LINES without the blank lines at either end."
  (let ((blank (lambda (line) (string-blank-p line))))
    (reverse (seq-drop-while blank (reverse (seq-drop-while blank lines))))))

(defun switchboard-conversation-note-p (line)
  "Non-nil when LINE is a note ending an answer.
The notes: [cancelled], [cut off] and [error ...]."
  (let ((note (string-trim line)))
    (or (equal note switchboard-conversation-cancelled)
        (equal note switchboard-conversation-cut-off)
        (string-match-p "\\`\\[error[ :].*\\]\\'" note))))

(defun switchboard-conversation--fence-after (fence line)
  "The fence open after LINE when FENCE (nil: none) was open before it."
  (let ((ticks (and (string-match "\\`[ \t]*\\(```+\\)" line) (match-string 1 line))))
    (cond ((and ticks (not fence)) ticks)
          ((and fence (string-match-p (concat "\\`[ \t]*" fence "`*[ \t]*\\'") line)) nil)
          (t fence))))

(defun switchboard-conversation-open-fence (text)
  "The fence TEXT leaves open (as \"```\"), or nil when every fence is closed."
  (let (fence)
    (dolist (line (split-string text "\n") fence)
      (setq fence (switchboard-conversation--fence-after fence line)))))

(defun switchboard-conversation--heading-follows-p (lines)
  "Non-nil when the first line of LINES that is not blank is a heading.
Also non-nil when there is none."
  (let ((next (seq-find (lambda (line) (not (string-blank-p line))) lines)))
    (or (null next) (assoc (string-trim next) switchboard-conversation-headings))))

(defun switchboard-conversation-blocks (text)
  "The blocks of TEXT: a list of (ROLE LINES START).
START is the position of the heading in TEXT (0-based).  Text before
the first heading belongs to no block.  A note ending an answer,
followed by a heading, closes a fence the answer left open (chats
written before answers closed theirs).  Tool call records in an
answer (outside fences: \"> [tool] NAME … STATUS\" and the lines
after it starting with \">\" and two spaces) are not part of its text."
  (let ((blocks nil) (fence nil) (start 0) (record nil)
        (lines (split-string text "\n")))
    (while lines
      (let* ((line (pop lines))
             (role (and (not fence)
                        (cdr (assoc (string-trim line) switchboard-conversation-headings)))))
        (setq record (and (not role) (not fence) blocks (equal (car (car blocks)) "assistant")
                          (or (string-prefix-p "> [tool] " line)
                              (and record (string-prefix-p ">  " line)))))
        (cond
         (role (push (list role nil start) blocks))
         (record nil)
         (t
          (setq fence (if (and fence blocks (equal (car (car blocks)) "assistant")
                               (switchboard-conversation-note-p line)
                               (switchboard-conversation--heading-follows-p lines))
                          nil
                        (switchboard-conversation--fence-after fence line)))
          (when blocks
            (push line (nth 1 (car blocks))))))
        (setq start (+ start (length line) 1))))
    (mapcar (lambda (block) (list (nth 0 block) (nreverse (nth 1 block)) (nth 2 block)))
            (nreverse blocks))))

(defun switchboard-conversation-image-url (target directory)
  "TARGET as the daemon takes it: URLs as they are, paths absolute.
A relative path is taken relative to DIRECTORY."
  (if (string-match-p "\\`[[:alpha:]][[:alnum:]+.-]*:" target)
      target
    (expand-file-name target directory)))

(defun switchboard-conversation--user-content (lines directory)
  "The content of a user message of LINES, images resolved in DIRECTORY."
  (let (text images)
    (dolist (line lines)
      (if (string-match "\\`[ \t]*!\\[[^]]*\\](\\(.+\\))[ \t]*\\'" line)
          (push `(:type "image_url"
                  :image_url (:url ,(switchboard-conversation-image-url (match-string 1 line) directory)))
                images)
        (push line text)))
    (let ((joined (string-join (switchboard-conversation--trim (nreverse text)) "\n")))
      (if images
          (vconcat (list (list :type "text" :text joined)) (nreverse images))
        joined))))

(defun switchboard-conversation-messages (text directory)
  "The chat messages of TEXT, as plists; images resolved in DIRECTORY.
An answer's closing note ([cancelled], [cut off], [error ...]) is left
out (the partial text stays); an answer that is only an error is left
out with the question it failed to answer; empty blocks too."
  (let (messages)
    (dolist (block (switchboard-conversation-blocks text))
      (let* ((role (nth 0 block))
             (body (switchboard-conversation--trim (nth 1 block)))
             (failed nil))
        (when (and (equal role "assistant") body
                   (switchboard-conversation-note-p (car (last body))))
          (setq failed (string-prefix-p "[error" (string-trim (car (last body))))
                body (switchboard-conversation--trim (butlast body))))
        (let ((joined (string-join body "\n")))
          (cond ((and (equal role "assistant")
                      (or (string-prefix-p "[error" joined) (and failed (string-empty-p joined))))
                 (when (equal (plist-get (car messages) :role) "user")
                   (pop messages)))
                ((not (string-empty-p joined))
                 (push (list :role role
                             :content (if (equal role "user")
                                          (switchboard-conversation--user-content body directory)
                                        joined))
                       messages))))))
    (nreverse messages)))

(defun switchboard-conversation-has-image-p (messages)
  "Non-nil when one of MESSAGES holds an image."
  (seq-some (lambda (message) (vectorp (plist-get message :content))) messages))

(defun switchboard-conversation-pending (text)
  "The last block of TEXT when it is a \"## You\" block with text, else nil."
  (let ((last (car (last (switchboard-conversation-blocks text)))))
    (and last (equal (nth 0 last) "user")
         (switchboard-conversation--trim (nth 1 last))
         last)))

(defun switchboard-conversation-new (system)
  "The text of a new conversation: SYSTEM (if any), then an empty \"## You\"."
  (concat (if (and system (not (string-empty-p system)))
              (format "## System\n%s\n\n" system)
            "")
          "## You\n"))

(defun switchboard-conversation-fenced (title text &optional language)
  "TEXT as a fenced block in LANGUAGE under a TITLE line.
The fence is longer than any run of backticks in TEXT."
  (let ((longest 2) (start 0))
    (while (string-match "```+" text start)
      (setq longest (max longest (- (match-end 0) (match-beginning 0)))
            start (match-end 0)))
    (let ((fence (make-string (1+ longest) ?`)))
      (format "%s\n%s%s\n%s\n%s" title fence (or language "") (string-trim-right text "\n+") fence))))

(defun switchboard-conversation-unfenced (text)
  "The inside of TEXT when all of it is one fenced block, else nil.
Trailing blanks aside.  An answer inserted at point keeps no fence a
model added although it was asked not to."
  (let* ((lines (split-string (string-trim-right text) "\n"))
         (fence (and (string-match "\\`\\(```+\\)[[:alnum:]_+.#-]*[ \t]*\\'" (car lines))
                     (match-string 1 (car lines))))
         (inside (butlast (cdr lines))))
    (and fence (cdr lines)
         (string-match-p (concat "\\`" fence "[ \t]*\\'") (car (last lines)))
         (not (seq-some (lambda (line) (string-match-p (concat "\\`[ \t]*" fence "`*[ \t]*\\'") line)) inside))
         (string-join inside "\n"))))

(defun switchboard-conversation-code (text)
  "The code of a model's answer TEXT.
The content of its first fenced block, or the whole answer, trimmed."
  (if (string-match "^[ \t]*\\(```+\\)[^\n]*\n" text)
      (let* ((fence (match-string 1 text))
             (start (match-end 0)))
        (if (string-match (concat "^[ \t]*" fence "`*[ \t]*$") text start)
            (string-trim-right (substring text start (match-beginning 0)) "\n")
          (string-trim text)))
    (string-trim text)))

(provide 'switchboard-conversation)
;;; switchboard-conversation.el ends here
